package cli

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a terminal's standard error that the test reads while the bar may draw.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// TestProgressBarUnknownSizeDrawsOnlyWhenWritten checks that a bar for a download of unknown size draws from the
// copying goroutine alone: after Close, nothing is drawn any more (run with -race, a drawing goroutine of its own
// raced with the copy and with what the command writes next).
func TestProgressBarUnknownSizeDrawsOnlyWhenWritten(t *testing.T) {
	var out lockedBuffer
	bar := newProgressBar(&out, -1, "file.bin")
	chunk := make([]byte, 512)
	time.Sleep(120 * time.Millisecond) // the first bytes come after the server's headers, a while later
	for end := time.Now().Add(350 * time.Millisecond); time.Now().Before(end); {
		if _, err := bar.Write(chunk); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	bar.Close()
	out.mu.Lock()
	n := out.buf.Len()
	out.mu.Unlock()
	time.Sleep(250 * time.Millisecond)
	out.mu.Lock()
	after := out.buf.Len()
	out.mu.Unlock()
	if after != n {
		t.Fatalf("the bar drew %d bytes after Close", after-n)
	}
}
