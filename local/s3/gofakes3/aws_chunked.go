package main

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// decodeAwsChunked turns an aws-chunked PutObject body (the SDK's streaming upload: STREAMING-* in
// x-amz-content-sha256, hex-sized chunks, optional chunk signatures, a trailing checksum header) into the
// plain body gofakes3 expects, with Content-Length set to x-amz-decoded-content-length. The trailing
// checksum (CRC32, CRC32C, SHA1 or SHA256) is verified: a mismatch fails the read, so the object is not
// stored. Chunk signatures are skipped (the server checks no signature). Other requests pass unchanged.
func decodeAwsChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			next.ServeHTTP(w, r)
			return
		}
		decoded, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || decoded < 0 {
			http.Error(w, fmt.Sprintf("aws-chunked body without a valid x-amz-decoded-content-length (%q)",
				r.Header.Get("X-Amz-Decoded-Content-Length")), http.StatusBadRequest)
			return
		}
		r.Body = &chunkedBody{source: bufio.NewReader(r.Body), closer: r.Body, want: decoded,
			trailer: strings.ToLower(strings.TrimSpace(r.Header.Get("X-Amz-Trailer")))}
		r.ContentLength = decoded
		r.Header.Set("Content-Length", strconv.FormatInt(decoded, 10))
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r.Header.Del("X-Amz-Decoded-Content-Length")
		r.Header.Del("X-Amz-Trailer")
		stripChunkedEncoding(r.Header)
		next.ServeHTTP(w, r)
	})
}

// stripChunkedEncoding removes aws-chunked from Content-Encoding (it describes the transfer, not the
// object, and gofakes3 would store and serve it back).
func stripChunkedEncoding(header http.Header) {
	var kept []string
	for _, part := range strings.Split(header.Get("Content-Encoding"), ",") {
		if part = strings.TrimSpace(part); part != "" && part != "aws-chunked" {
			kept = append(kept, part)
		}
	}
	if len(kept) == 0 {
		header.Del("Content-Encoding")
	} else {
		header.Set("Content-Encoding", strings.Join(kept, ","))
	}
}

type chunkedBody struct {
	source  *bufio.Reader
	closer  io.Closer
	want    int64
	trailer string // the checksum header named by x-amz-trailer, e.g. x-amz-checksum-crc32
	digest  hash.Hash
	left    int64 // bytes left in the current chunk
	read    int64
	done    bool
	err     error
}

func (c *chunkedBody) Close() error { return c.closer.Close() }

func (c *chunkedBody) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.done {
		return 0, io.EOF
	}
	if c.digest == nil {
		c.digest = newDigest(c.trailer)
	}
	for c.left == 0 {
		size, err := c.chunkHeader()
		if err != nil {
			return 0, c.fail(err)
		}
		if size == 0 {
			if err := c.finish(); err != nil {
				return 0, c.fail(err)
			}
			c.done = true
			return 0, io.EOF
		}
		c.left = size
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.source.Read(p)
	c.left -= int64(n)
	c.read += int64(n)
	if c.digest != nil {
		c.digest.Write(p[:n])
	}
	if c.left == 0 && err == nil {
		err = c.expectCRLF()
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return n, c.fail(err)
	}
	return n, nil
}

func (c *chunkedBody) fail(err error) error {
	c.err = fmt.Errorf("aws-chunked body: %w", err)
	return c.err
}

// chunkHeader reads "<hex size>[;chunk-signature=...]\r\n".
func (c *chunkedBody) chunkHeader() (int64, error) {
	line, err := c.line()
	if err != nil {
		return 0, err
	}
	if i := strings.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	size, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
	if err != nil || size < 0 {
		return 0, fmt.Errorf("bad chunk size line %q", line)
	}
	return size, nil
}

func (c *chunkedBody) expectCRLF() error {
	line, err := c.line()
	if err != nil {
		return err
	}
	if line != "" {
		return fmt.Errorf("chunk data longer than its size (%q follows)", line)
	}
	return nil
}

// finish reads the trailer lines up to the blank line and checks the length and the named checksum.
func (c *chunkedBody) finish() error {
	if c.read != c.want {
		return fmt.Errorf("%d bytes decoded, x-amz-decoded-content-length says %d", c.read, c.want)
	}
	var got string
	for {
		line, err := c.line()
		if err == io.EOF && line == "" {
			break // no trailer section at all
		}
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		if strings.ToLower(strings.TrimSpace(name)) == c.trailer {
			got = strings.TrimSpace(value)
		}
	}
	if c.digest == nil {
		return nil // no trailer, or one this server cannot compute (e.g. CRC64NVME): accepted unverified
	}
	if got == "" {
		return fmt.Errorf("x-amz-trailer names %s but the body has no such trailer", c.trailer)
	}
	if want := base64.StdEncoding.EncodeToString(c.digest.Sum(nil)); got != want {
		return fmt.Errorf("%s is %s, the body's is %s", c.trailer, got, want)
	}
	return nil
}

func (c *chunkedBody) line() (string, error) {
	line, err := c.source.ReadString('\n')
	if err != nil {
		if err == io.EOF && line != "" {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return "", errors.New("line not ended by CRLF")
	}
	return line[:len(line)-2], nil
}

func newDigest(trailer string) hash.Hash {
	switch trailer {
	case "x-amz-checksum-crc32":
		return crc32.NewIEEE()
	case "x-amz-checksum-crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "x-amz-checksum-sha1":
		return sha1.New()
	case "x-amz-checksum-sha256":
		return sha256.New()
	}
	return nil
}
