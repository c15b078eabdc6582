package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/merchantflow/onboarding/internal/config"
)

// KeySize is the length of a payload key in bytes: AES-256.
const KeySize = 32

// idPattern is what a key id may look like. Ids travel in payload metadata in clear.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// key is one named AES-256-GCM key. Only the cipher is kept, never the raw bytes.
type key struct {
	id   string
	aead cipher.AEAD
}

// Keyring holds the payload keys. The first key is the active one: it encrypts every new
// payload. Every key decrypts, so payloads written under an older key stay readable after a
// rotation puts a new key first. A Keyring is safe for concurrent use and never formats its
// key material: String and GoString print the key ids only.
type Keyring struct {
	keys []key
	byID map[string]cipher.AEAD
}

// ParseKeys reads a key spec: entries "id=base64key" separated by commas or newlines. Ids
// match [A-Za-z0-9._-]{1,64} and must be unique; keys are 32 bytes in standard or URL-safe
// base64, padded or not. Text from '#' to the end of a line is a comment; blank entries are
// skipped. The first entry is the active key. Errors name the entry's position or its id,
// never the key.
func ParseKeys(spec string) (*Keyring, error) {
	k := &Keyring{byID: map[string]cipher.AEAD{}}
	n := 0
	for line := range strings.Lines(spec) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for entry := range strings.SplitSeq(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			n++
			id, enc, ok := strings.Cut(entry, "=")
			id, enc = strings.TrimSpace(id), strings.TrimSpace(enc)
			switch {
			case !ok:
				return nil, fmt.Errorf("codec: key entry %d is not id=base64key", n)
			case !idPattern.MatchString(id):
				// The id is not echoed: a missing id can leave key text on this side of '='.
				return nil, fmt.Errorf("codec: key entry %d: the id must match %s", n, idPattern)
			case enc == "":
				return nil, fmt.Errorf("codec: key entry %d has no key after '=' (want id=base64key)", n)
			}
			if _, dup := k.byID[id]; dup {
				return nil, fmt.Errorf("codec: key id %q appears twice", id)
			}
			raw, err := decodeKey(enc)
			if err != nil {
				return nil, fmt.Errorf("codec: key %q is not base64 (standard or URL-safe)", id)
			}
			if len(raw) != KeySize {
				return nil, fmt.Errorf("codec: key %q is %d bytes, want %d", id, len(raw), KeySize)
			}
			aead, err := newAEAD(raw)
			clear(raw)
			if err != nil {
				return nil, fmt.Errorf("codec: key %q: %w", id, err)
			}
			k.keys = append(k.keys, key{id: id, aead: aead})
			k.byID[id] = aead
		}
	}
	if len(k.keys) == 0 {
		return nil, errors.New("codec: no payload keys in the spec")
	}
	return k, nil
}

// FromConfig builds the keyring from ONBOARDING_PAYLOAD_KEYS or the file named by
// ONBOARDING_PAYLOAD_KEYS_FILE, whichever is set. Errors name the variable at fault.
func FromConfig(cfg config.Payload) (*Keyring, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.PayloadKeys) != "" {
		k, err := ParseKeys(cfg.PayloadKeys)
		if err != nil {
			return nil, fmt.Errorf("config: %s_PAYLOAD_KEYS: %w", config.Prefix, err)
		}
		return k, nil
	}
	path := strings.TrimSpace(cfg.PayloadKeysFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %s_PAYLOAD_KEYS_FILE: %w", config.Prefix, err)
	}
	k, err := ParseKeys(string(b))
	clear(b)
	if err != nil {
		return nil, fmt.Errorf("config: %s_PAYLOAD_KEYS_FILE %s: %w", config.Prefix, path, err)
	}
	return k, nil
}

// NewKey returns a fresh random 32-byte key in standard base64.
func NewKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails; it crashes the program instead
	return base64.StdEncoding.EncodeToString(b)
}

// GenerateSpec returns a key spec line "id=base64key" with a fresh key, for rotation tooling:
// put the line first in the spec and keep the old lines after it.
func GenerateSpec(id string) (string, error) {
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("codec: key id %q must match %s", id, idPattern)
	}
	return id + "=" + NewKey(), nil
}

// ActiveID returns the id of the key that encrypts new payloads.
func (k *Keyring) ActiveID() string {
	if k == nil || len(k.keys) == 0 {
		return ""
	}
	return k.keys[0].id
}

// IDs returns every key id, the active one first.
func (k *Keyring) IDs() []string {
	if k == nil {
		return nil
	}
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.id
	}
	return ids
}

// String describes the keyring by its key ids only. It has a value receiver, like Format, so
// a Keyring formats safely whether it is printed by value or by pointer.
func (k Keyring) String() string {
	return fmt.Sprintf("codec.Keyring{active: %q, ids: %q}", k.ActiveID(), k.IDs())
}

// Format prints String for every verb (%v, %+v, %#v, %s, %x, ...), so no way of formatting a
// Keyring reaches its ciphers.
func (k Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// active returns the encrypting key.
func (k *Keyring) active() (key, bool) {
	if k == nil || len(k.keys) == 0 {
		return key{}, false
	}
	return k.keys[0], true
}

// lookup returns the cipher of key id.
func (k *Keyring) lookup(id string) (cipher.AEAD, bool) {
	if k == nil {
		return nil, false
	}
	a, ok := k.byID[id]
	return a, ok
}

// decodeKey accepts standard or URL-safe base64, padded or not.
func decodeKey(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// newAEAD returns AES-256-GCM that draws a random 12-byte nonce for every Seal and puts it in
// front of the ciphertext (nonce||ciphertext||tag); Open reads it back from there.
func newAEAD(raw []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}
