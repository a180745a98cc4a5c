package fleet_test

import (
	"context"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// BenchmarkHello measures a join from hello to welcome (session.Dial: the
// WebSocket handshake, hello, welcome with the world, and the first clock
// ping), straight to the node that hosts the match and through a node that
// redirects there. The difference is what a redirect costs a client.
func BenchmarkHello(b *testing.B) {
	nats := startNATS(b, "127.0.0.1:0", "")
	o := server.Options{MaxPlayers: sim.MaxPlayers}
	front := startNode(b, nats.ClientURL(), "front", o)
	host := startNode(b, nats.ClientURL(), "host", o)
	ctx := context.Background()
	first, err := session.Dial(ctx, session.Options{URL: host.ws, Name: "keeper", Match: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer first.CloseNow()
	for _, c := range []struct{ name, url string }{{"direct", host.ws}, {"redirected", front.ws}} {
		b.Run(c.name, func(b *testing.B) {
			var joined []*session.Session
			for b.Loop() {
				s, err := session.Dial(ctx, session.Options{URL: c.url, Name: "p", Match: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				if s.Redirected() != (c.name == "redirected") {
					b.Fatalf("redirected %v", s.Redirected())
				}
				// Leave in batches, untimed, so that the match never fills:
				// a seat is free again once the leave is simulated.
				if joined = append(joined, s); len(joined) == 32 {
					b.StopTimer()
					for _, s := range joined {
						s.Close()
					}
					joined = joined[:0]
					time.Sleep(100 * time.Millisecond)
					b.StartTimer()
				}
			}
			for _, s := range joined {
				s.Close()
			}
		})
	}
}
