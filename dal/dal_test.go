package dal_test

import (
	"testing"

	"github.com/go-glance/glance/dal/daltest"
)

func TestImagesSQLite(t *testing.T) {
	daltest.Run(t, func(t *testing.T) daltest.Backend { return daltest.OpenSQLite(t) })
}

func TestImagesMariaDB(t *testing.T) {
	daltest.Run(t, func(t *testing.T) daltest.Backend { return daltest.OpenMariaDB(t) })
}
