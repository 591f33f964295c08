package dirlock

import (
	"errors"
	"testing"
)

func TestLock(t *testing.T) {
	if !Supported {
		t.Skip("no directory locks here")
	}
	dir := t.TempDir()
	release, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A second lock, even in this process, is refused while the first is
	// held, and granted once it is released.
	if _, err := Lock(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	release()
	release2, err := Lock(dir)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	release2()
	if _, err := Lock(dir + "/missing"); err == nil {
		t.Fatal("Lock of a missing directory succeeded")
	}
}
