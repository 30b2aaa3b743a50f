package pg

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestRedactDSN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"host=h user=u password=secret dbname=d", "host=h user=u password=xxxxx dbname=d"},
		{"host=h password='se cr\\'et' dbname=d", "host=h password=xxxxx dbname=d"},
		{"host = h  password =secret sslpassword= other", "host=h password=xxxxx sslpassword=xxxxx"},
		{"host=h user=u", "host=h user=u"},
		{"postgres://u:secret@h:5433/d?sslmode=disable", "postgres://u:xxxxx@h:5433/d?sslmode=disable"},
		{"postgresql://u@h/d?password=secret&sslmode=require", "postgresql://u@h/d?password=xxxxx&sslmode=require"},
		{"postgres://u:secret@h1:5432,h2:5433/d", "postgres://u:xxxxx@h1:5432,h2:5433/d"},
		{"host=h password='unterminated secret", unparseableDSN},
		{"postgres://u:secret@h:port/d", unparseableDSN},
	} {
		got := RedactDSN(tc.in)
		if got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("RedactDSN(%q) shows the password: %q", tc.in, got)
		}
	}
	d := &Database{DSN: "host=h password=secret"}
	if got := d.Redacted(); got != "host=h password=xxxxx" {
		t.Errorf("Redacted() = %q", got)
	}
}

func TestWithDBName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"host=h dbname=old user=u", "host=h user=u dbname=new"},
		{"host=h user=u", "host=h user=u dbname=new"},
		{"host='/a dir' password='it\\'s' dbname=x dbname=y", `host='/a dir' password='it\'s' dbname=new`},
		{"postgres://u:p@h:5432/old?sslmode=disable", "postgres://u:p@h:5432/new?sslmode=disable"},
		{"postgres://u@h", "postgres://u@h/new"},
		{"postgres:///old?host=%2Ftmp%2Fs&user=u", "postgres:///new?host=%2Ftmp%2Fs&user=u"},
		{"postgres://h/old?dbname=other&sslmode=disable", "postgres://h/new?sslmode=disable"},
	} {
		got, err := withDBName(tc.in, "new")
		if err != nil {
			t.Errorf("withDBName(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("withDBName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		before, err1 := pgconn.ParseConfig(tc.in)
		after, err2 := pgconn.ParseConfig(got)
		if err1 != nil || err2 != nil {
			t.Errorf("parse %q / %q: %v / %v", tc.in, got, err1, err2)
			continue
		}
		if after.Database != "new" || after.Host != before.Host || after.User != before.User ||
			after.Password != before.Password || after.Port != before.Port {
			t.Errorf("withDBName(%q) changed more than the database: %+v", tc.in, after)
		}
	}
	if _, err := withDBName("host='x", "new"); err == nil {
		t.Error("withDBName accepted an unterminated quote")
	}
}
