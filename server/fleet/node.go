package fleet

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// NodeOptions configures an embedded NATS JetStream node, the way a fleet
// is formed from skirmishd processes alone. Listen and StoreDir are
// required.
type NodeOptions struct {
	// Name names the node in its cluster; unique in the cluster. Required
	// with Routes.
	Name string
	// Listen is the client address, HOST:PORT (port 0 picks a free one).
	Listen string
	// StoreDir is where JetStream keeps its files.
	StoreDir string
	// ClusterListen is the address other nodes' routes connect to; with
	// Routes, it joins this node to a cluster.
	ClusterListen string
	// Routes are the cluster addresses of the other nodes
	// (nats://HOST:PORT); this node connects to them and they to it.
	Routes []string
	// ClusterName names the cluster. Default "skirmish".
	ClusterName string
	// Logger receives the node's notices and warnings. Default: discarded.
	Logger *slog.Logger
}

// Node is an embedded NATS server with JetStream enabled.
type Node struct {
	srv *natsserver.Server
}

// StartNode starts an embedded NATS JetStream node and waits until it
// accepts clients.
func StartNode(o NodeOptions) (*Node, error) {
	if o.StoreDir == "" {
		return nil, errors.New("fleet: embedded node: no store directory")
	}
	host, port, err := splitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("fleet: embedded node: listen address: %w", err)
	}
	opts := &natsserver.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true, // skirmishd owns the process's signals
		// A replay chunk or a stored object's part is far below this;
		// the default 1 MiB is kept.
	}
	if len(o.Routes) > 0 || o.ClusterListen != "" {
		if o.Name == "" {
			return nil, errors.New("fleet: embedded node: a clustered node needs a name")
		}
		if o.ClusterListen == "" {
			return nil, errors.New("fleet: embedded node: routes given without a cluster listen address")
		}
		ch, cp, err := splitHostPort(o.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("fleet: embedded node: cluster address: %w", err)
		}
		opts.Cluster.Name = o.ClusterName
		if opts.Cluster.Name == "" {
			opts.Cluster.Name = "skirmish"
		}
		opts.Cluster.Host, opts.Cluster.Port = ch, cp
		for _, r := range o.Routes {
			u, err := url.Parse(r)
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("fleet: embedded node: route %q: want nats://HOST:PORT", r)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	srv, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("fleet: embedded node: %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv.SetLoggerV2(natsLogger{log.With("component", "nats")}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("fleet: embedded node on %s did not start within 10 s", o.Listen)
	}
	return &Node{srv: srv}, nil
}

// ClientURL is the URL clients connect to: nats://HOST:PORT.
func (n *Node) ClientURL() string { return n.srv.ClientURL() }

// Shutdown stops the node and waits for it.
func (n *Node) Shutdown() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q", p)
	}
	if port == 0 {
		port = natsserver.RANDOM_PORT // NATS reads 0 as its default port, 4222
	}
	return host, port, nil
}

// natsLogger passes the NATS server's notices and warnings to slog; its
// debug and trace output is dropped (NATS only produces it when asked).
type natsLogger struct{ log *slog.Logger }

func (l natsLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l natsLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Debugf(format string, v ...any)  {}
func (l natsLogger) Tracef(format string, v ...any)  {}
