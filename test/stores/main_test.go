package stores

import (
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }
