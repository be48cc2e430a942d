package browsercookie

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/limpet-http/limpet/internal/secretservice"
)

// Chromium on Linux encrypts cookie values with AES-128-CBC, an IV of 16
// spaces and PKCS#7 padding. The key is PBKDF2-HMAC-SHA1 of a password,
// salt "saltysalt", one iteration, 16 bytes. A value starts with its
// format: "v10" for the fixed password "peanuts" (--password-store=basic,
// or no keyring), "v11" for the random password Chromium keeps in the
// desktop keyring. From cookie database version 24 on, the plaintext
// starts with SHA-256 of the cookie's host_key, which binds the value to
// its row: a value copied to another host's row fails the check.

// Errors of one value; the row is skipped and counted.
var (
	errHostCheck     = errors.New("browsercookie: decrypted value fails its host check")
	errUndecryptable = errors.New("browsercookie: value does not decrypt")
)

// hostCheckVersion is the first Chromium cookie database version whose
// plaintexts start with SHA-256(host_key).
const hostCheckVersion = 24

var cbcIV = bytes.Repeat([]byte{' '}, aes.BlockSize)

// chromiumKey derives the AES key for a password.
func chromiumKey(password []byte) []byte {
	k, err := pbkdf2.Key(sha1.New, string(password), []byte("saltysalt"), 1, 16)
	if err != nil { // only for parameters outside FIPS 140 limits
		panic(err)
	}
	return k
}

// chromiumCipher returns the AES cipher for a password.
func chromiumCipher(password []byte) cipher.Block {
	b, err := aes.NewCipher(chromiumKey(password))
	if err != nil { // a 16-byte key is always valid
		panic(err)
	}
	return b
}

var (
	v10Cipher   = sync.OnceValue(func() cipher.Block { return chromiumCipher([]byte("peanuts")) })
	emptyCipher = sync.OnceValue(func() cipher.Block { return chromiumCipher(nil) }) // what Chromium used when the keyring failed
)

// decrypter decrypts the values of one Chromium cookie database.
type decrypter struct {
	// hostCheck: the plaintext starts with SHA-256(host_key).
	hostCheck bool
	// v11Keys returns the ciphers for "v11" values; called once, lazily.
	v11Keys func() ([]cipher.Block, error)

	once   sync.Once
	v11    []cipher.Block
	v11Err error
}

// newDecrypter returns a decrypter for a database of version schema that
// gets the keyring password, when a "v11" value needs it, from password.
func newDecrypter(schema int, password func() ([]byte, error)) *decrypter {
	return &decrypter{
		hostCheck: schema >= hostCheckVersion,
		v11Keys: func() ([]cipher.Block, error) {
			pw, err := password()
			if err != nil {
				return nil, err
			}
			return []cipher.Block{chromiumCipher(pw), emptyCipher()}, nil
		},
	}
}

// decrypt returns the value of an encrypted_value of a row of hostKey. It
// returns errHostCheck or errUndecryptable for a value to skip, and an
// error wrapping ErrKeyring when a "v11" value needs a keyring password
// that cannot be had.
func (d *decrypter) decrypt(hostKey string, enc []byte) (string, error) {
	if len(enc) < 3 {
		return "", errUndecryptable
	}
	var keys []cipher.Block
	switch string(enc[:3]) {
	case "v10":
		keys = []cipher.Block{v10Cipher(), emptyCipher()}
	case "v11":
		d.once.Do(func() { d.v11, d.v11Err = d.v11Keys() })
		if d.v11Err != nil {
			// Without the keyring's password, only a value that Chromium
			// encrypted with an empty one (as it did when its keyring
			// failed) can be read.
			if v, err := decryptWith([]cipher.Block{emptyCipher()}, hostKey, enc[3:], d.hostCheck); err == nil {
				return v, nil
			}
			return "", d.v11Err
		}
		keys = d.v11
	default:
		return "", errUndecryptable
	}
	return decryptWith(keys, hostKey, enc[3:], d.hostCheck)
}

// decryptWith tries each key on ciphertext ct. A key is right when the
// padding is valid and, with hostCheck, the plaintext starts with
// SHA-256(hostKey); without the check, the value must also look like a
// cookie value (UTF-8, no control characters), so that a wrong key whose
// padding happens to be valid is not taken.
func decryptWith(keys []cipher.Block, hostKey string, ct []byte, hostCheck bool) (string, error) {
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return "", errUndecryptable
	}
	err := errUndecryptable
	buf := make([]byte, len(ct))
	for _, block := range keys {
		decryptCBC(block, buf, ct)
		pt, ok := unpad(buf)
		if !ok {
			continue
		}
		if hostCheck {
			sum := sha256.Sum256([]byte(hostKey))
			if len(pt) < len(sum) || subtle.ConstantTimeCompare(pt[:len(sum)], sum[:]) != 1 {
				err = errHostCheck
				continue
			}
			pt = pt[len(sum):]
		} else if !plausibleValue(pt) {
			continue
		}
		return string(pt), nil
	}
	return "", err
}

// decryptCBC decrypts ct into dst (of the same length, a multiple of the
// block size) in CBC mode with Chromium's IV, without the allocation of a
// cipher.BlockMode per value.
func decryptCBC(block cipher.Block, dst, ct []byte) {
	prev := cbcIV
	for i := 0; i < len(ct); i += aes.BlockSize {
		block.Decrypt(dst[i:i+aes.BlockSize], ct[i:i+aes.BlockSize])
		subtle.XORBytes(dst[i:i+aes.BlockSize], dst[i:i+aes.BlockSize], prev)
		prev = ct[i : i+aes.BlockSize]
	}
}

// unpad strips PKCS#7 padding, reporting whether it was valid.
func unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, false
	}
	var bad byte
	for _, c := range b[len(b)-n:] {
		bad |= c ^ byte(n)
	}
	return b[:len(b)-n], bad == 0
}

// plausibleValue reports whether b can be a cookie value as Chromium
// stores them: UTF-8 without control characters.
func plausibleValue(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// encryptChromium encrypts value as Chromium does for a row of hostKey:
// format prefix ("v10", "v11"), key from password, SHA-256(hostKey) first
// when hostCheck. Tests and benchmarks build databases with it.
func encryptChromium(prefix string, password []byte, hostKey, value string, hostCheck bool) []byte {
	var pt []byte
	if hostCheck {
		sum := sha256.Sum256([]byte(hostKey))
		pt = append(pt, sum[:]...)
	}
	pt = append(pt, value...)
	n := aes.BlockSize - len(pt)%aes.BlockSize
	pt = append(pt, bytes.Repeat([]byte{byte(n)}, n)...)
	block := chromiumCipher(password)
	out := append([]byte(prefix), make([]byte, len(pt))...)
	cipher.NewCBCEncrypter(block, cbcIV).CryptBlocks(out[len(prefix):], pt)
	return out
}

// keyringApplication is the "application" attribute of the browser's
// keyring item.
func keyringApplication(b Browser) string {
	if b == Chrome {
		return "chrome"
	}
	return "chromium"
}

// keyringLabel is the label of the browser's keyring item.
func keyringLabel(b Browser) string {
	if b == Chrome {
		return "Chrome Safe Storage"
	}
	return "Chromium Safe Storage"
}

// secretServicePassword looks up the browser's "Safe Storage" password
// through the Secret Service on the session bus.
func secretServicePassword(ctx context.Context, b Browser) ([]byte, error) {
	return secretservice.Lookup(ctx, "", map[string]string{"application": keyringApplication(b)})
}

// keyringError words a failed keyring lookup for a person.
func keyringError(b Browser, err error) error {
	label := keyringLabel(b)
	switch {
	case errors.Is(err, secretservice.ErrLocked):
		return fmt.Errorf("%w: the keyring holding %q is locked; unlock it (log in to the desktop session, open Passwords and Keys (seahorse) and unlock the Login keyring, or run `gnome-keyring-daemon --unlock` and type the login password followed by Ctrl-D), then try again: %w", ErrKeyring, label, err)
	case errors.Is(err, secretservice.ErrNoService):
		return fmt.Errorf("%w: %q is kept by the desktop keyring, which cannot be reached (run this inside the desktop session that runs %s, where DBUS_SESSION_BUS_ADDRESS is set and gnome-keyring-daemon or KeePassXC serves the Secret Service): %w", ErrKeyring, label, b, err)
	case errors.Is(err, secretservice.ErrNotFound):
		return fmt.Errorf("%w: the keyring has no item %q (%s stores it the first time it runs with the keyring; or it uses another keyring, such as KWallet): %w", ErrKeyring, label, b, err)
	}
	return fmt.Errorf("%w: %q: %w", ErrKeyring, label, err)
}
