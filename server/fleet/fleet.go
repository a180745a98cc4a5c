package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
)

// Options configures Join. URLs (or Node), NodeID and NodeURL are required;
// every other zero field takes the default documented on it.
type Options struct {
	// URLs are the NATS servers to connect to (nats://HOST:PORT or
	// tls://HOST:PORT); any one of a cluster is enough.
	URLs []string
	// Node is an embedded node to connect to in-process instead of URLs.
	Node *Node
	// Creds is a NATS credentials file (user JWT and seed).
	Creds string
	// TLSCA is a PEM file of the CAs that sign the NATS servers'
	// certificates, for tls:// URLs with a private CA.
	TLSCA string

	// NodeID names this node in the directory: letters, digits, '-' and
	// '_', at most 64.
	NodeID string
	// NodeURL is the WebSocket URL clients reach this node at.
	NodeURL string
	// Observer joins to read the fleet only (the directory, the replays,
	// the chunk stream: skirmish-projector), as no node: NodeID and
	// NodeURL are not needed, and Start must not be called.
	Observer bool

	// Replicas is how many copies JetStream keeps of the directory and
	// the replay store, up to the cluster's size. Default 1.
	Replicas int
	// TTL is how long a directory entry lives unless refreshed: a node
	// that dies vanishes from the directory this long after its last
	// refresh. Default 5 s.
	TTL time.Duration
	// Refresh is how often this node republishes its entries. Default 1 s.
	Refresh time.Duration
	// CacheDir holds replays fetched from the store to be served.
	// Required for OpenReplay.
	CacheDir string
	// CacheBytes caps CacheDir's size; the least recently used replays
	// go first. Default 256 MiB.
	CacheBytes int64
	// ChunkMaxAge and ChunkMaxBytes bound the chunk stream (the fleet's
	// event log; chunks.go) when it is created: JetStream drops its oldest
	// parts past either. Zero keeps everything, which a projector
	// rebuilding from history needs; replays stay in the replay store.
	ChunkMaxAge   time.Duration
	ChunkMaxBytes int64

	// Logger receives the fleet's logs. Default slog.Default().
	Logger *slog.Logger
}

// Bucket names. A fleet is one NATS account; two fleets on one NATS
// system use two accounts.
const (
	DirectoryBucket = "skirmish_directory"
	ReplayBucket    = "skirmish_replays"
)

// opTimeout bounds every NATS call, so that an outage costs a bounded
// wait off the tick path and is then counted as an error.
const opTimeout = 2 * time.Second

var nodeIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidNodeID reports whether id may name a node.
func ValidNodeID(id string) bool { return nodeIDPattern.MatchString(id) }

// Fleet is a node's connection to its fleet. It implements server.Fleet.
type Fleet struct {
	o   Options
	log *slog.Logger
	nc  *nats.Conn
	js  jetstream.JetStream
	dir jetstream.KeyValue
	obj jetstream.ObjectStore
	// chunks is the chunk stream (chunks.go); pubs its publishers.
	chunks jetstream.Stream
	pubs   publishers
	m      *metrics

	self    server.FleetNode
	started time.Time

	mu       sync.Mutex
	matches  map[string]server.FleetMatch // the directory, from the watcher
	nodes    map[string]server.FleetNode
	replays  map[string]server.FleetReplay
	owned    map[string]uint64 // match id → revision of our entry
	lost     map[string]bool   // our matches whose id another node took
	draining bool
	report   func() server.FleetReport

	// Signalled when NATS comes back: the watchers start over, the
	// buckets are checked.
	dirResync, objResync chan struct{}

	uploads uploadQueue
	cache   replayCache

	ctx    context.Context // ends when the fleet closes; the loops run until then
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

var _ server.Fleet = (*Fleet)(nil)

// Join connects to the fleet's NATS servers, creates the directory bucket
// and the replay store if they do not exist, and loads the directory. It
// fails, naming the servers, if NATS cannot be reached within ctx.
func Join(ctx context.Context, o Options) (*Fleet, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	f := &Fleet{
		o: o, log: o.Logger.With("node", o.NodeID), m: newMetrics(),
		matches: map[string]server.FleetMatch{}, nodes: map[string]server.FleetNode{},
		replays: map[string]server.FleetReplay{}, owned: map[string]uint64{}, lost: map[string]bool{},
		started: time.Now().UTC(),
	}
	f.self = server.FleetNode{ID: o.NodeID, URL: o.NodeURL, Started: f.started}
	f.dirResync, f.objResync = make(chan struct{}, 1), make(chan struct{}, 1)
	f.uploads.init()
	f.pubs.running = map[string]bool{}
	f.cache = replayCache{dir: o.CacheDir, max: o.CacheBytes}
	if err := f.connect(ctx); err != nil {
		return nil, err
	}
	if err := f.openBuckets(ctx); err != nil {
		f.nc.Close()
		return nil, err
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	// The directory and the replay list are watched from the start, so
	// that the first hello already sees the fleet.
	dirLoaded, replaysLoaded := make(chan struct{}), make(chan struct{})
	f.wg.Add(2)
	go func() { defer f.wg.Done(); f.watchDirectory(f.ctx, dirLoaded) }()
	go func() { defer f.wg.Done(); f.watchReplays(f.ctx, replaysLoaded) }()
	for _, loaded := range []chan struct{}{dirLoaded, replaysLoaded} {
		select {
		case <-loaded:
		case <-ctx.Done():
			f.abort()
			return nil, fmt.Errorf("fleet: loading the directory and the replay list: %w", ctx.Err())
		}
	}
	return f, nil
}

func (o *Options) defaults() error {
	if len(o.URLs) == 0 && o.Node == nil {
		return errors.New("fleet: no NATS server given")
	}
	if o.Observer && o.NodeID == "" {
		o.NodeID = "observer"
	}
	if !ValidNodeID(o.NodeID) {
		return fmt.Errorf("fleet: node id %q: want letters, digits, '-' and '_', at most 64", o.NodeID)
	}
	// The URL travels in redirects, which bound it.
	if err := protocol.CheckRedirectURL(o.NodeURL); err != nil && !o.Observer {
		return fmt.Errorf("fleet: node URL: %w", err)
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.TTL == 0 {
		o.TTL = 5 * time.Second
	}
	if o.Refresh == 0 {
		o.Refresh = time.Second
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 256 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	switch {
	case o.Replicas < 1 || o.Replicas > 5:
		return fmt.Errorf("fleet: replicas %d outside 1..5", o.Replicas)
	case o.Refresh <= 0 || o.TTL < 2*o.Refresh:
		return fmt.Errorf("fleet: TTL %v must be at least twice the refresh interval %v", o.TTL, o.Refresh)
	}
	return nil
}

func (f *Fleet) connect(ctx context.Context) error {
	opts := []nats.Option{
		nats.Name("skirmishd " + f.o.NodeID),
		nats.MaxReconnects(-1), // a fleet node never gives up on NATS
		nats.ReconnectWait(250 * time.Millisecond),
		nats.Timeout(opTimeout),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			f.m.connected.Set(0)
			f.m.outages.Inc()
			f.log.Warn("NATS connection lost; matches go on, the directory catches up on return", "err", err)
		}),
		// Asynchronous errors (a watcher's consumer gone while its server
		// restarts, say) are handled by starting the watch again; they
		// are worth a debug line, not the default handler's stderr.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			f.log.Debug("NATS", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			f.m.connected.Set(1)
			f.log.Info("NATS connection back", "server", nc.ConnectedUrlRedacted())
			for _, c := range []chan struct{}{f.dirResync, f.objResync} {
				select {
				case c <- struct{}{}:
				default:
				}
			}
		}),
	}
	if f.o.Creds != "" {
		opts = append(opts, nats.UserCredentials(f.o.Creds))
	}
	if f.o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(f.o.TLSCA))
	}
	url := strings.Join(f.o.URLs, ",")
	if f.o.Node != nil {
		opts = append(opts, nats.InProcessServer(f.o.Node.srv))
		url = f.o.Node.ClientURL()
	}
	// Dial in a goroutine so that ctx bounds it, whatever nats.Connect's
	// own retries do.
	type result struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(url, opts...)
		ch <- result{nc, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return fmt.Errorf("fleet: cannot reach NATS at %s: %w", url, r.err)
		}
		f.nc = r.nc
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return fmt.Errorf("fleet: cannot reach NATS at %s: %w", url, ctx.Err())
	}
	f.m.connected.Set(1)
	js, err := jetstream.New(f.nc)
	if err != nil {
		f.nc.Close()
		return fmt.Errorf("fleet: JetStream: %w", err)
	}
	f.js = js
	return nil
}

// openBuckets creates the directory and the replay store, or opens them
// if they exist. A JetStream cluster that is still electing its leader
// (nodes started together) answers with errors for a moment: those are
// retried until ctx ends.
func (f *Fleet) openBuckets(ctx context.Context) error {
	for {
		actx, cancel := context.WithTimeout(ctx, opTimeout)
		err := f.tryOpenBuckets(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
			f.log.Debug("waiting for JetStream", "err", err)
		}
	}
}

// tryOpenBuckets opens the directory, the replay store and the chunk
// stream, and creates those that do not exist yet, with this node's
// settings. An existing one is never changed: a node started with other
// settings (fewer replicas, say) must not reconfigure the fleet's.
func (f *Fleet) tryOpenBuckets(ctx context.Context) error {
	var err error
	f.dir, err = openOrCreate(ctx, f.js.KeyValue, f.js.CreateKeyValue, DirectoryBucket, jetstream.KeyValueConfig{
		Bucket:      DirectoryBucket,
		Description: "Skirmish fleet directory: nodes and matches, refreshed each second",
		History:     1,
		TTL:         f.o.TTL,
		// Markers tell every watcher when an entry expires, so a dead
		// node's matches leave every listing.
		LimitMarkerTTL: f.o.TTL,
		// On disk, so that the bucket outlives a restart of its NATS
		// server; a few hundred bytes per match and second.
		Storage:  jetstream.FileStorage,
		Replicas: f.o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("fleet: directory bucket %s: %w", DirectoryBucket, err)
	}
	f.obj, err = openOrCreate(ctx, f.js.ObjectStore, f.js.CreateObjectStore, ReplayBucket, jetstream.ObjectStoreConfig{
		Bucket:      ReplayBucket,
		Description: "Skirmish replays of finished matches, by replay id",
		Storage:     jetstream.FileStorage,
		Replicas:    f.o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("fleet: replay store %s: %w", ReplayBucket, err)
	}
	f.chunks, err = openOrCreate(ctx, f.js.Stream, f.js.CreateStream, ChunkStream, f.chunkStreamConfig())
	if err != nil {
		return fmt.Errorf("fleet: chunk stream %s: %w", ChunkStream, err)
	}
	return nil
}

// openOrCreate opens the bucket or stream name, or creates it with cfg if
// it does not exist (or opens it after all, if another node created it in
// between).
func openOrCreate[T, C any](ctx context.Context, open func(context.Context, string) (T, error),
	create func(context.Context, C) (T, error), name string, cfg C) (T, error) {
	v, err := open(ctx, name)
	if err == nil || !notFound(err) {
		return v, err
	}
	if v, err = create(ctx, cfg); err == nil {
		return v, nil
	}
	if again, err2 := open(ctx, name); err2 == nil {
		return again, nil
	}
	return v, err
}

func notFound(err error) bool {
	return errors.Is(err, jetstream.ErrBucketNotFound) || errors.Is(err, jetstream.ErrStreamNotFound)
}

// Self is this node as the fleet knows it.
func (f *Fleet) Self() server.FleetNode { return f.self }

// Start begins publishing this node and its matches and uploading replays.
func (f *Fleet) Start(report func() server.FleetReport, reg prometheus.Registerer) {
	f.m.register(reg)
	f.mu.Lock()
	f.report = report
	f.mu.Unlock()
	f.wg.Add(2)
	go func() { defer f.wg.Done(); f.publishLoop(f.ctx) }()
	go func() { defer f.wg.Done(); f.uploadLoop(f.ctx) }()
}

// Drain marks this node as taking no new matches; the next refresh
// publishes it.
func (f *Fleet) Drain() {
	f.mu.Lock()
	f.draining = true
	f.mu.Unlock()
	f.publish() // at once: nobody should be sent here from now on
}

// Close uploads the queued replays, removes this node's entries and
// disconnects; it gives up on the uploads when ctx ends.
func (f *Fleet) Close(ctx context.Context) error {
	var err error
	f.closed.Do(func() {
		err = f.uploads.wait(ctx)
		if perr := f.pubs.wait(ctx); err == nil {
			err = perr
		}
		f.removeEntries()
		f.cancel()
		f.wg.Wait()
		f.nc.Close()
	})
	return err
}

// abort disconnects without cleaning up, as a failed Join does.
func (f *Fleet) abort() {
	f.cancel()
	f.nc.Close()
	f.wg.Wait()
}

func opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// connected reports whether NATS is reachable now; while it is not, the
// loops skip their round instead of queueing calls that would time out.
func (f *Fleet) connected() bool { return f.nc.Status() == nats.CONNECTED }

// osRemove is os.Remove, ignoring files already gone.
func osRemove(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		slog.Default().Warn("fleet: remove", "file", path, "err", err)
	}
}
