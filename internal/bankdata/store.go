package bankdata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/merchantflow/onboarding/internal/codec"
)

// Store keeps uploads in a directory that the gateway and the worker share, one file per
// upload named by its content's SHA-256, each encrypted with the payload keys (the same
// keyring, rotation and key ids as Temporal's payloads: bank data is the most sensitive thing
// the engine holds). A multi-host deployment mounts the same directory on every gateway and
// worker host (or replaces Store with one over object storage).
type Store struct {
	dir   string
	codec *codec.Codec
}

// NewStore opens (and creates) dir.
func NewStore(dir string, keys *codec.Keyring) (*Store, error) {
	if dir == "" {
		return nil, errors.New("bankdata: no directory")
	}
	if keys == nil {
		return nil, errors.New("bankdata: no payload keys")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bankdata: %w", err)
	}
	return &Store{dir: dir, codec: codec.NewCodec(keys)}, nil
}

// refPrefix starts every reference; the rest is the hex SHA-256 of the canonical JSON.
const refPrefix = "sha256:"

var refRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ValidRef reports whether ref has the shape Put returns.
func ValidRef(ref string) bool { return refRE.MatchString(ref) }

// Put stores d (already validated) and describes it. Storing the same data twice yields the
// same reference and one file.
func (s *Store) Put(_ context.Context, d Dataset) (Summary, error) {
	plain, err := json.Marshal(d)
	if err != nil {
		return Summary{}, fmt.Errorf("bankdata: encode: %w", err)
	}
	sum := sha256.Sum256(plain)
	ref := refPrefix + hex.EncodeToString(sum[:])
	sealed, err := s.codec.Encode([]*commonpb.Payload{{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
		Data:     plain,
	}})
	if err != nil {
		return Summary{}, fmt.Errorf("bankdata: encrypt: %w", err)
	}
	b, err := proto.Marshal(sealed[0])
	if err != nil {
		return Summary{}, fmt.Errorf("bankdata: marshal: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return Summary{}, fmt.Errorf("bankdata: %w", err)
	}
	_, werr := tmp.Write(b)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		_ = os.Remove(tmp.Name())
		return Summary{}, fmt.Errorf("bankdata: write: %w", err)
	}
	// The rename makes the file appear whole or not at all, so a reader never sees half.
	if err := os.Rename(tmp.Name(), s.path(ref)); err != nil {
		_ = os.Remove(tmp.Name())
		return Summary{}, fmt.Errorf("bankdata: %w", err)
	}
	return summarise(d, ref, len(plain)), nil
}

// Get reads the upload ref names. It refuses a file that is not encrypted or whose content
// does not hash to ref. ErrNotFound when there is none.
func (s *Store) Get(_ context.Context, ref string) (Dataset, error) {
	if !ValidRef(ref) {
		return Dataset{}, fmt.Errorf("bankdata: malformed reference %q", clip(ref))
	}
	b, err := os.ReadFile(s.path(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return Dataset{}, ErrNotFound
	}
	if err != nil {
		return Dataset{}, fmt.Errorf("bankdata: %w", err)
	}
	var p commonpb.Payload
	if err := proto.Unmarshal(b, &p); err != nil {
		return Dataset{}, fmt.Errorf("bankdata: %s is not a stored upload: %w", ref, err)
	}
	if string(p.GetMetadata()[converter.MetadataEncoding]) != codec.EncodingEncrypted {
		return Dataset{}, fmt.Errorf("bankdata: %s is not encrypted", ref)
	}
	out, err := s.codec.Decode([]*commonpb.Payload{&p})
	if err != nil {
		return Dataset{}, fmt.Errorf("bankdata: %w", err)
	}
	plain := out[0].GetData()
	if sum := sha256.Sum256(plain); refPrefix+hex.EncodeToString(sum[:]) != ref {
		return Dataset{}, fmt.Errorf("bankdata: %s does not hash to its name", ref)
	}
	var d Dataset
	if err := json.Unmarshal(plain, &d); err != nil {
		return Dataset{}, fmt.Errorf("bankdata: %s: %w", ref, err)
	}
	return d, nil
}

func (s *Store) path(ref string) string {
	return filepath.Join(s.dir, strings.TrimPrefix(ref, refPrefix)+".bin")
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
