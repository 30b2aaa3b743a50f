package pg

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// checkNoBinaries asserts err wraps ErrNoBinaries and tells the user what
// to do.
func checkNoBinaries(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"apt-get install postgresql", "/usr/lib/postgresql/<major>/bin", binEnv, "--dsn"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestFindBinariesExplicitBogus(t *testing.T) {
	_, err := FindBinaries(filepath.Join(t.TempDir(), "nope"))
	checkNoBinaries(t, err)
}

func TestFindBinariesEnvBogus(t *testing.T) {
	t.Setenv(binEnv, t.TempDir())
	_, err := FindBinaries("")
	checkNoBinaries(t, err)
}

func TestFindBinariesDefault(t *testing.T) {
	t.Setenv(binEnv, "")
	dir, err := FindBinaries("")
	if err != nil {
		t.Fatalf("FindBinaries: %v (these tests need PostgreSQL installed)", err)
	}
	if !hasBinaries(dir) || !filepath.IsAbs(dir) {
		t.Errorf("FindBinaries returned %q", dir)
	}
	if explicit, err := FindBinaries(dir); err != nil || explicit != dir {
		t.Errorf("FindBinaries(%q) = %q, %v", dir, explicit, err)
	}
}
