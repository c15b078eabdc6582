package codec

import (
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload. Metadata values are stored in clear, so they carry only
// the encoding and the key id; the original payload, its own metadata included, is encrypted.
const (
	// EncodingEncrypted is the "encoding" metadata value of a payload this codec encrypted.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the metadata entry holding the id of the key that encrypted the
	// payload. The id is also the GCM additional data, so relabelling a payload to another
	// key id makes it fail to decrypt even if both ids hold the same key.
	MetadataKeyID = "encryption-key-id"
)

// Codec is an AES-256-GCM converter.PayloadCodec. Encode marshals each whole payload proto
// (data and metadata) and stores nonce||ciphertext as the data of a new payload whose metadata
// is {encoding: binary/encrypted, encryption-key-id: <active id>}. Decode reverses it with the
// key named in the metadata. Payloads whose encoding is not binary/encrypted pass through
// Decode unchanged, so histories recorded before encryption was turned on still read.
type Codec struct {
	keys *Keyring
}

var _ converter.PayloadCodec = (*Codec)(nil)

// NewCodec returns the codec of keyring k.
func NewCodec(k *Keyring) *Codec { return &Codec{keys: k} }

// DataConverter returns the SDK's default data converter with every payload encrypted by k.
func DataConverter(k *Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), NewCodec(k))
}

// Encode encrypts every payload with the active key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	active, ok := c.keys.active()
	if !ok {
		return nil, errors.New("codec: the keyring has no keys")
	}
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: marshal payload %d: %w", i, err)
		}
		sealed := active.aead.Seal(nil, nil, plain, []byte(active.id))
		clear(plain)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(active.id),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode decrypts every encrypted payload and returns the others as they are. An unknown key
// id, a missing one, or data that fails authentication (a wrong key, tampering, a relabelled
// key id) is an error that names the key id.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		if id == "" {
			return nil, fmt.Errorf("codec: encrypted payload %d has no %s", i, MetadataKeyID)
		}
		if !idPattern.MatchString(id) {
			return nil, fmt.Errorf("codec: encrypted payload %d has a malformed %s", i, MetadataKeyID)
		}
		aead, ok := c.keys.lookup(id)
		if !ok {
			return nil, fmt.Errorf("codec: payload %d is encrypted with key %q, which is not in the keyring", i, id)
		}
		plain, err := aead.Open(nil, nil, p.GetData(), []byte(id))
		if err != nil {
			return nil, fmt.Errorf("codec: payload %d does not decrypt with key %q (wrong key, or tampered or relabelled payload)", i, id)
		}
		var orig commonpb.Payload
		err = proto.Unmarshal(plain, &orig)
		clear(plain)
		if err != nil {
			return nil, fmt.Errorf("codec: payload %d decrypted with key %q is not a payload: %w", i, id, err)
		}
		out[i] = &orig
	}
	return out, nil
}
