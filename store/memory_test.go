package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := store.NewMemory(store.MergeOptions{})
	if _, err := m.Load(ctx, "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load of missing: %v", err)
	}
	if err := m.Delete(ctx, "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delete of missing: %v", err)
	}
	if _, err := m.Save(ctx, "", store.Snapshot{}); err == nil {
		t.Fatal("Save with empty name succeeded")
	}
	now := time.Now()
	got, err := m.Save(ctx, "shop", store.Snapshot{Cookies: []store.Cookie{ck("a", "1", 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.Created.Before(now) || got.Meta.Updated.Before(now) || got.Meta.Limpet == "" {
		t.Errorf("meta not stamped: %+v", got.Meta)
	}
	got.Cookies[0].Value = "changed by caller"
	got, err = m.Save(ctx, "shop", store.Snapshot{Cookies: []store.Cookie{ck("b", "2", 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if d := describe(got); d != "a=1 b=2" {
		t.Errorf("after second save %q", d)
	}
	if _, err := m.Save(ctx, "other", store.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	names, err := m.List(ctx)
	if err != nil || !slices.Equal(names, []string{"other", "shop"}) {
		t.Errorf("List = %v, %v", names, err)
	}
	if err := m.Delete(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Load(cctx, "shop"); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with canceled context: %v", err)
	}
}

func TestMemoryConcurrentSaves(t *testing.T) {
	ctx := context.Background()
	// 200 cookies for one domain: more than a jar keeps by default.
	m := store.NewMemory(store.MergeOptions{MaxCookiesPerDomain: jar.NoLimit})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				c := ck(fmt.Sprintf("g%d-%d", g, i), "v", time.Duration(i))
				if _, err := m.Save(ctx, "s", store.Snapshot{Cookies: []store.Cookie{c}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	s, err := m.Load(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cookies) != 200 {
		t.Fatalf("%d cookies, want 200", len(s.Cookies))
	}
}
