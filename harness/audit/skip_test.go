package audit

import "testing"

func TestInSchemas(t *testing.T) {
	shim := []string{"auth", "extensions"}
	for obj, want := range map[string]bool{
		"function auth.jwt()":                        true,
		"table auth.users":                           true,
		"column auth.users.email":                    true,
		"key auth.users (email)":                     true,
		"schema extensions":                          true,
		"function extensions.gen_random_bytes(int)":  true,
		"function public.current_account()":          false,
		"table accounts":                             false,
		"trigger on_auth_user_created on auth.users": false, // the schema's own trigger
		"policy p on auth.users":                     false,
		"role service_role":                          false,
		"table authors":                              false,
		"schema auth_helpers":                        false,
	} {
		if got := inSchemas(obj, shim); got != want {
			t.Errorf("inSchemas(%q) = %v, want %v", obj, got, want)
		}
	}
}
