package router

import (
	"strings"

	"github.com/tenantfuzz/tenantfuzz/harness/catalog"
)

func quoteIdent(s string) string { return catalog.QuoteIdent(s) }

// quoteLiteral renders s as a SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
