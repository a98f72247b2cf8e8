// Command s3-server is the project's fast local S3: gofakes3's in-memory backend (MIT) behind one HTTP
// server on 127.0.0.1, for throughput runs where moto (Python) is the bottleneck. It answers path-style
// requests with any credentials (signatures are not checked), honours If-None-Match: * on PutObject
// atomically (the backend checks and stores under one lock), gives the memory of deleted objects back to the
// OS at once (free_memory.go), and decodes the SDK's unsigned aws-chunked
// bodies with a trailing checksum (aws_chunked.go), which gofakes3 does not.
//
// With -put-log - it prints one JSON line per PutObject answered 200 on stdout (put_log.go), so a bench can
// time stored objects without a proxy in the data path.
//
// Usage: s3-server -port 9000 [-bucket name]... [-virtual-hosts] [-put-log -]
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

type bucketList []string

func (b *bucketList) String() string     { return strings.Join(*b, ",") }
func (b *bucketList) Set(v string) error { *b = append(*b, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "s3-server: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	flags := flag.NewFlagSet("s3-server", flag.ContinueOnError)
	host := flags.String("host", "127.0.0.1", "address to listen on")
	port := flags.Int("port", 0, "TCP port to listen on (required)")
	var buckets bucketList
	flags.Var(&buckets, "bucket", "a bucket to create at start (repeatable)")
	virtualHosts := flags.Bool("virtual-hosts", false, "also serve virtual-hosted-style requests for "+
		"<bucket>.localhost:<port>, for clients that cannot use path-style and reach the server as their HTTP proxy")
	putLog := flags.String("put-log", "", "write one JSON line per PutObject answered 200 to this "+
		"destination: - for stdout (the only one supported)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *port <= 0 || *port > 65535 {
		return fmt.Errorf("-port %d is not a TCP port: pass -port with a value from 1 to 65535", *port)
	}
	if *putLog != "" && *putLog != "-" {
		return fmt.Errorf("-put-log %q is not supported: pass -put-log - to write the lines to stdout", *putLog)
	}
	backend := s3mem.New()
	for _, name := range buckets {
		if err := backend.CreateBucket(name); err != nil {
			return fmt.Errorf("cannot create bucket %q: %w", name, err)
		}
	}
	options := []gofakes3.Option{
		gofakes3.WithoutVersioning(),
		gofakes3.WithLogger(gofakes3.GlobalLog(gofakes3.LogErr)),
	}
	if *virtualHosts {
		// Other hosts (127.0.0.1:<port>) stay path-style.
		options = append(options, gofakes3.WithHostBucketBase(fmt.Sprintf("localhost:%d", *port)))
	}
	faker := gofakes3.New(backend, options...)
	listener, err := net.Listen("tcp", net.JoinHostPort(*host, fmt.Sprint(*port)))
	if err != nil {
		return err
	}
	handler := freeAfterDeletes(decodeAwsChunked(faker.Server()))
	if *putLog == "-" {
		handler = logPuts(handler, os.Stdout)
	}
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	log.SetFlags(0)
	return server.Serve(listener)
}
