package dal

import (
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
)

// fileWatch notices the SQLite file being deleted or replaced under a
// running server. SQLite keeps writing into the file it opened, so
// without this every write would be acknowledged into a file that no
// later start will read.
type fileWatch struct {
	path   string
	opened os.FileInfo
	log    *slog.Logger
	// gone is set while the path names another file or none, so the
	// ERROR line is logged once per fault, not once per request.
	gone atomic.Bool
}

func watchFile(path string, log *slog.Logger) (*fileWatch, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &fileWatch{path: path, opened: fi, log: log}, nil
}

// check returns errFileGone unless the path still names the file the
// database opened (same device and inode). A nil watch always passes.
func (w *fileWatch) check() error {
	if w == nil {
		return nil
	}
	fi, err := os.Stat(w.path)
	if err == nil && os.SameFile(fi, w.opened) {
		if w.gone.CompareAndSwap(true, false) {
			w.log.Warn(fmt.Sprintf("The database file %s is back; writes are accepted again", w.path))
		}
		return nil
	}
	if w.gone.CompareAndSwap(false, true) {
		what := "was replaced by another file"
		if os.IsNotExist(err) {
			what = "was deleted"
		}
		w.log.Error(fmt.Sprintf("The database file %s %s while the server runs; writes answer 503 until the file is put back or the server restarted on the right one", w.path, what))
	}
	return errFileGone
}
