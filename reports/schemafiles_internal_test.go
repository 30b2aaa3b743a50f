package reports

import (
	"fmt"
	"testing"
)

func TestSchemaFilesLine(t *testing.T) {
	files := func(names ...string) *Report {
		r := &Report{}
		for _, n := range names {
			r.Target.Files = append(r.Target.Files, SourceFile{Name: n, Role: "schema"})
		}
		r.Target.Files = append(r.Target.Files, SourceFile{Name: "overlay.sql", Role: "overlay"})
		return r
	}
	var many []string
	for i := 1; i <= 14; i++ {
		many = append(many, fmt.Sprintf("m/%02d.sql", i))
	}
	for _, c := range []struct {
		r    *Report
		want string
	}{
		{files("app/supabase/migrations/a.sql", "app/supabase/migrations/b.sql", "app/supabase/migrations/c.sql"), "3 files from app/supabase/migrations: a.sql, b.sql, c.sql"},
		{files("schema.sql"), "1 file: schema.sql"},
		{files("/abs/x/a.sql"), "1 file from /abs/x: a.sql"},
		{files("p/migrations/1_a/migration.sql", "p/migrations/2_b/migration.sql"), "2 files from p/migrations: 1_a/migration.sql, 2_b/migration.sql"},
		{files(many...), "14 files from m: 01.sql, 02.sql, 03.sql, 04.sql, 05.sql, ... 4 more ..., 10.sql, 11.sql, 12.sql, 13.sql, 14.sql"},
		{&Report{}, ""},
	} {
		if got := c.r.schemaFilesLine(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
