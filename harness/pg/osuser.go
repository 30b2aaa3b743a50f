package pg

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
)

// serverOSUser is the OS account that runs initdb and postgres when we are
// root, since PostgreSQL refuses to run as root.
const serverOSUser = "postgres"

// runAs is the OS identity that initdb and postgres run as. A nil *runAs
// means our own identity.
type runAs struct {
	name     string
	uid, gid int
}

// serverUser returns the identity server processes must run as: nil when we
// are not root, else the "postgres" OS user.
func serverUser() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverOSUser)
	if err != nil {
		return nil, fmt.Errorf("look up OS user %s: %w: PostgreSQL refuses to run as root, "+
			"so tenantfuzz runs it as %s; create it with useradd -r %s or run as a non-root user",
			serverOSUser, err, serverOSUser, serverOSUser)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("look up OS user %s: uid %q is not numeric: run as a non-root user", serverOSUser, u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("look up OS user %s: gid %q is not numeric: run as a non-root user", serverOSUser, u.Gid)
	}
	return &runAs{name: u.Username, uid: uid, gid: gid}, nil
}

// chown gives path to r; it does nothing for a nil r.
func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	if err := os.Lchown(path, r.uid, r.gid); err != nil {
		return fmt.Errorf("chown %s to OS user %s: %w", path, r.name, err)
	}
	return nil
}
