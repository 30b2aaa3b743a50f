package pg

import (
	"crypto/rand"
	"encoding/hex"
)

// randomHex returns 2*n random lower-case hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
