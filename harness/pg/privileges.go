package pg

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrPrivilege means the role a DSN connects as lacks a privilege tenantfuzz
// needs. Errors wrapping it name each missing privilege and how to grant it.
var ErrPrivilege = errors.New("the DSN's role lacks privileges tenantfuzz needs")

// rolePrivileges are the role attributes OpenDSN depends on.
type rolePrivileges struct {
	name                                   string
	super, createDB, createRole, bypassRLS bool
}

// check returns an error wrapping ErrPrivilege that names every missing
// privilege, or nil.
func (rp rolePrivileges) check() error {
	if rp.super {
		return nil
	}
	role := pgx.Identifier{rp.name}.Sanitize()
	var problems []string
	if !rp.createDB {
		problems = append(problems, fmt.Sprintf(
			"role %s lacks CREATEDB, which creating the run's database needs: grant it with ALTER ROLE %s CREATEDB or connect as a superuser",
			role, role))
	}
	if !rp.createRole {
		problems = append(problems, fmt.Sprintf(
			"role %s lacks CREATEROLE, which creating the run's tenant roles needs: grant it with ALTER ROLE %s CREATEROLE or connect as a superuser",
			role, role))
	}
	if !rp.bypassRLS {
		problems = append(problems, fmt.Sprintf(
			"role %s is neither SUPERUSER nor BYPASSRLS, one of which inserting ground-truth rows into tables under FORCE ROW LEVEL SECURITY needs: "+
				"grant it with ALTER ROLE %s BYPASSRLS (as a superuser) or connect as a superuser",
			role, role))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("check privileges: %w: %s", ErrPrivilege, strings.Join(problems, "; "))
}
