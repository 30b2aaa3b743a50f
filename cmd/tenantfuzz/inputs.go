package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/tenantfuzz/tenantfuzz/properties"
)

// maxChecks bounds --checks, as maxLargeTenants bounds --large-tenants: a
// million checks per property and relation is weeks of work.
const maxChecks = 1000000

// conciseUsage makes a usage error print its one line and a pointer to
// --help instead of every flag; -h and --help still print them all.
func conciseUsage(fs *flag.FlagSet, command string, args []string, stderr io.Writer) {
	full := fs.Usage
	fs.Usage = func() {
		if wantsHelp(args) {
			full()
			return
		}
		fmt.Fprintf(stderr, "see tenantfuzz %s --help\n", command)
	}
}

// wantsHelp reports whether args ask for help (-h, -help, --help).
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		switch strings.TrimLeft(a, "-") {
		case "h", "help":
			return strings.HasPrefix(a, "-")
		}
	}
	return false
}

// checkChecks refuses a --checks given out of range (0 or unset: the
// profile's).
func checkChecks(fs *flag.FlagSet, checks int) error {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "checks" })
	if given && (checks < 1 || checks > maxChecks) {
		return fmt.Errorf("--checks must be between 1 and %d, got %d", maxChecks, checks)
	}
	return nil
}

// checkWritable makes dir and proves a file can be written there, before
// the gate spends its budget: a run whose reports cannot be written is
// lost at its end.
func checkWritable(flagName, dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s %s cannot be created: %v (choose another %s)", flagName, dir, err, flagName)
	}
	f, err := os.CreateTemp(dir, ".tenantfuzz-write-check-*")
	if err != nil {
		return fmt.Errorf("%s %s is not writable: %v (choose another %s)", flagName, dir, err, flagName)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// checkRelation refuses a --relation that is no subject of the selected
// properties on this target, listing the valid ones.
func checkRelation(relation string, selected []*properties.Property, env *properties.Env) error {
	if relation == "" {
		return nil
	}
	var names []string
	for _, p := range selected {
		for _, s := range p.Subjects(env) {
			if s.Name == relation {
				return nil
			}
			if !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
		}
	}
	slices.Sort(names)
	return fmt.Errorf("--relation %q matches no subject of the selected properties on this target; valid: %s", relation, strings.Join(names, ", "))
}
