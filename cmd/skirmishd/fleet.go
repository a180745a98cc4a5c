package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"strings"
	"time"

	"github.com/skirmishgg/skirmish/server/fleet"
)

// fleetFlags are the flags that join skirmishd to a fleet (docs/FLEET.md).
// With none of them, skirmishd is a standalone server.
type fleetFlags struct {
	nats, creds, tlsCA    string
	listen, clusterListen string
	routes                string
	replicas              int
	nodeID, nodeURL       string
	natsOnly              bool
}

func (f *fleetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.nats, "nats", "", "join a fleet through these NATS servers (comma-separated nats:// or tls:// URLs)")
	fs.StringVar(&f.creds, "nats-creds", "", "NATS credentials file (user JWT and seed)")
	fs.StringVar(&f.tlsCA, "nats-tls-ca", "", "PEM file of the CAs that sign the NATS servers' certificates")
	fs.StringVar(&f.listen, "nats-listen", "", "run an embedded NATS JetStream node with its client port on this address, and join the fleet through it")
	fs.StringVar(&f.clusterListen, "nats-cluster-listen", "", "the embedded node's cluster address, for routes from other embedded nodes")
	fs.StringVar(&f.routes, "nats-routes", "", "the other embedded nodes' cluster addresses (comma-separated nats://HOST:PORT)")
	fs.IntVar(&f.replicas, "nats-replicas", 1, "copies JetStream keeps of the fleet's directory and replays, up to the cluster's size")
	fs.StringVar(&f.nodeID, "node-id", "", "this node's name in the fleet (default: hostname-port)")
	fs.StringVar(&f.nodeURL, "node-url", "", "the WebSocket URL clients reach this node at (default: from -addr)")
	fs.BoolVar(&f.natsOnly, "nats-only", false, "run only the embedded NATS JetStream node (-nats-listen), hosting no matches: a fleet's NATS server from this binary")
}

func (f *fleetFlags) enabled() bool { return f.nats != "" || f.listen != "" }

// check refuses combinations that make no sense, before anything starts.
func (f *fleetFlags) check() error {
	switch {
	case !f.enabled() && (f.creds != "" || f.tlsCA != "" || f.clusterListen != "" || f.routes != "" || f.nodeID != "" || f.nodeURL != ""):
		return errors.New("fleet flags given without -nats or -nats-listen")
	case f.nats != "" && f.listen != "":
		return errors.New("-nats and -nats-listen: give one (an embedded node is joined through itself)")
	case (f.routes != "") != (f.clusterListen != ""):
		return errors.New("-nats-routes and -nats-cluster-listen go together")
	case f.listen == "" && f.routes != "":
		return errors.New("-nats-routes needs -nats-listen")
	case f.natsOnly && f.listen == "":
		return errors.New("-nats-only needs -nats-listen")
	}
	return nil
}

// join starts the embedded node if asked, and joins the fleet as the node
// serving ln. The node, if any, must be shut down after the fleet closes.
func (f *fleetFlags) join(ctx context.Context, ln net.Listener, tls bool, replayDir string, log *slog.Logger) (*fleet.Fleet, *fleet.Node, error) {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	id := f.nodeID
	if id == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, nil, fmt.Errorf("-node-id: no hostname to default to: %w", err)
		}
		id = sanitizeID(host) + "-" + port
	}
	url := f.nodeURL
	if url == "" {
		var err error
		if url, err = defaultNodeURL(ln.Addr().String(), tls); err != nil {
			return nil, nil, err
		}
	}
	o := fleet.Options{
		NodeID: id, NodeURL: url, Creds: f.creds, TLSCA: f.tlsCA, Replicas: f.replicas,
		CacheDir: filepath.Join(replayDir, "fleet-cache"), Logger: log,
	}
	var node *fleet.Node
	if f.listen != "" {
		var routes []string
		if f.routes != "" {
			routes = strings.Split(f.routes, ",")
		}
		var err error
		node, err = fleet.StartNode(fleet.NodeOptions{
			Name: id, Listen: f.listen, StoreDir: filepath.Join(replayDir, "nats"),
			ClusterListen: f.clusterListen, Routes: routes, Logger: log,
		})
		if err != nil {
			return nil, nil, err
		}
		o.Node = node
		log.Info("embedded NATS node listening", "url", node.ClientURL())
	} else {
		o.URLs = strings.Split(f.nats, ",")
	}
	fl, err := fleet.Join(ctx, o)
	if err != nil {
		if node != nil {
			node.Shutdown()
		}
		return nil, nil, err
	}
	log.Info("joined the fleet", "node", id, "url", url)
	return fl, node, nil
}

// defaultNodeURL makes the node's public URL from its listen address; an
// unspecified host (":7777", "0.0.0.0:7777") becomes the machine's name.
func defaultNodeURL(addr string, tls bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if host, err = os.Hostname(); err != nil {
			return "", fmt.Errorf("-node-url: no hostname to default to: %w", err)
		}
	}
	scheme := "ws"
	if tls {
		scheme = "wss"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/ws", nil
}

// sanitizeID keeps what a node id may hold of a host name.
func sanitizeID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return strings.Trim(string(b), "-")
}

// closeFleet uploads what is left, removes the node's entries and
// disconnects; then the embedded node, if any, stops.
func closeFleet(fl *fleet.Fleet, node *fleet.Node, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := fl.Close(ctx)
	if node != nil {
		node.Shutdown()
	}
	if err != nil {
		return err
	}
	log.Info("left the fleet")
	return nil
}

// runNATSOnly runs the embedded node alone until SIGINT or SIGTERM: a
// fleet's NATS server, from the skirmishd binary.
func (f *fleetFlags) runNATSOnly(storeDir string, log *slog.Logger, stop <-chan os.Signal) error {
	var routes []string
	if f.routes != "" {
		routes = strings.Split(f.routes, ",")
	}
	name := f.nodeID
	if name == "" {
		host, _ := os.Hostname()
		name = sanitizeID(host) + "-nats"
	}
	node, err := fleet.StartNode(fleet.NodeOptions{
		Name: name, Listen: f.listen, StoreDir: storeDir,
		ClusterListen: f.clusterListen, Routes: routes, Logger: log,
	})
	if err != nil {
		return err
	}
	log.Info("embedded NATS node listening", "url", node.ClientURL(), "store", storeDir)
	s := <-stop
	log.Info("shutting down", "signal", s.String())
	node.Shutdown()
	return nil
}
