package redisstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store/redisstore"
)

// A worker of a fleet keeps its session in Redis: every worker that opens
// "shop" shares its cookies, and concurrent saves merge. It needs a Redis
// server, so it is compiled but not run.
func Example() {
	ctx := context.Background()
	ss, err := redisstore.Open("redis://127.0.0.1:6379/0", "shop", redisstore.Options{TTL: 24 * time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ss.Close()

	s, err := limpet.New(limpet.Options{Store: ss})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close() // saves what autosave has not yet saved

	resp, err := s.Get(ctx, "http://127.0.0.1:8080/app/")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Close()
}

// A Store on a client of your own, with names listed and deleted.
func ExampleNew() {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", Password: "secret"})
	defer c.Close()
	st := redisstore.New(c, redisstore.Options{Prefix: "myapp:session:"})

	names, err := st.List(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range names {
		fmt.Println(n)
	}
	shop, err := st.Session("localhost_8080/shop")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = shop // limpet.Options{Store: shop}
}
