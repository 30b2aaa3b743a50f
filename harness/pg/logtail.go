package pg

import (
	"io"
	"os"
	"strings"
)

// logTailLines is how many lines of a server log go into an error.
const logTailLines = 20

// logTail returns the last n lines of the file at path, indented for
// inclusion in an error message, or a note saying why it could not.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "    (no log: " + err.Error() + ")"
	}
	defer f.Close()
	const maxRead = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > maxRead {
		_, _ = f.Seek(fi.Size()-maxRead, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return "    (unreadable log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return "    (log is empty)"
	}
	return "    " + strings.Join(lines, "\n    ")
}
