// Command compressbench compares the server CPU per compressed 16 KiB JSON
// response of muduo-go (middleware.Compress) and net/http with klauspost's
// gzhttp (peers/compressjson), as issue 12 asks:
//
//	cd benchmarks && go run ./cmd/compressbench [-rounds 5] [-duration 5s] [-encoding gzip|zstd]
//
// Each server runs pinned to CPU 0 with GOMAXPROCS=1 (muduo-go: one event
// loop); wrk runs pinned to CPU 1 with 50 keep-alive connections, sending
// Accept-Encoding: gzip (or zstd). Rounds interleave the two servers, each round
// starting a fresh process with a warm-up run; the server's CPU (utime +
// stime from /proc) over the measured run is divided by the requests wrk
// completed. Before measuring, each server's response is checked: gzip,
// and decoding to the same document. It prints every round, the medians and
// the ratio muduo-go / gzhttp (below 1: muduo-go uses less CPU per
// response).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
)

var (
	rounds   = flag.Int("rounds", 5, "interleaved rounds")
	duration = flag.Duration("duration", 5*time.Second, "measured wrk run per server and round")
	warmup   = flag.Duration("warmup", time.Second, "unmeasured wrk run before each measured one")
	conns    = flag.Int("conns", 50, "wrk connections")
	encoding = flag.String("encoding", "gzip", "the coding wrk asks for: gzip or zstd")
)

const clkTck = 100 // USER_HZ on Linux

type impl struct {
	name   string
	cpu    []float64 // µs of server CPU per response, one per round
	rate   []float64 // responses per second
	golden []byte    // the decoded document of the first probe
}

func main() {
	flag.Parse()
	for _, tool := range []string{"wrk", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			fatalf("%s not found: %v", tool, err)
		}
	}
	dir, err := os.MkdirTemp("", "compressbench")
	if err != nil {
		fatalf("%v", err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "compressjson")
	if out, err := exec.Command("go", "build", "-o", bin, "./peers/compressjson").CombinedOutput(); err != nil {
		fatalf("build (run from benchmarks/): %v\n%s", err, out)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	if *encoding != "gzip" && *encoding != "zstd" {
		fatalf("-encoding %q: want gzip or zstd", *encoding)
	}
	fmt.Printf("compressbench: %s, %d rounds, %v each, %d conns; load average %s", *encoding, *rounds, *duration, *conns, load)
	impls := []*impl{{name: "muduo"}, {name: "gzhttp"}}
	for r := 1; r <= *rounds; r++ {
		for _, im := range impls {
			if err := im.round(bin, r); err != nil {
				fatalf("%s round %d: %v", im.name, r, err)
			}
		}
	}
	if !bytes.Equal(impls[0].golden, impls[1].golden) {
		fatalf("the servers sent different documents")
	}
	m, g := median(impls[0].cpu), median(impls[1].cpu)
	fmt.Printf("median server CPU per compressed response: muduo-go %.2f µs, net/http+gzhttp %.2f µs; ratio %.3f\n", m, g, m/g)
	fmt.Printf("median responses/s: muduo-go %.0f, net/http+gzhttp %.0f\n", median(impls[0].rate), median(impls[1].rate))
}

// round starts the server, checks its response, warms it up and measures.
func (im *impl) round(bin string, r int) error {
	cmd := exec.Command("taskset", "-c", "0", bin, "-impl", im.name, "-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		return fmt.Errorf("server did not say where it listens: %q %v", line, err)
	}
	url := "http://" + addr + "/json"
	if err := im.probe(url); err != nil {
		return err
	}
	if _, err := wrk(url, *warmup); err != nil {
		return err
	}
	t0, err := cpuTicks(cmd.Process.Pid)
	if err != nil {
		return err
	}
	n, err := wrk(url, *duration)
	if err != nil {
		return err
	}
	t1, err := cpuTicks(cmd.Process.Pid)
	if err != nil {
		return err
	}
	us := float64(t1-t0) * 1e6 / clkTck / float64(n)
	rate := float64(n) / duration.Seconds()
	im.cpu, im.rate = append(im.cpu, us), append(im.rate, rate)
	fmt.Printf("round %d %-7s %8.0f resp/s %7.2f µs CPU/resp\n", r, im.name, rate, us)
	return nil
}

// probe waits for the server and checks that /json comes compressed with
// the coding asked for, and decodes to the document.
func (im *impl) probe(url string) error {
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept-Encoding", *encoding)
		resp, err := cl.Do(req)
		if err != nil {
			if time.Now().After(deadline) {
				return err
			}
			time.Sleep(20 * time.Millisecond) // the server is starting
			continue
		}
		defer resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != *encoding {
			return fmt.Errorf("not %s: %d %q", *encoding, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		var zr io.Reader
		if *encoding == "gzip" {
			zr, err = gzip.NewReader(resp.Body)
		} else {
			var zd *zstd.Decoder
			zd, err = zstd.NewReader(resp.Body)
			if zd != nil {
				defer zd.Close()
			}
			zr = zd
		}
		if err != nil {
			return err
		}
		doc, err := io.ReadAll(zr)
		if err != nil {
			return err
		}
		if len(doc) < 16000 {
			return fmt.Errorf("document of %d bytes", len(doc))
		}
		if im.golden == nil {
			im.golden = doc
		}
		return nil
	}
}

var (
	requestsRe     = regexp.MustCompile(`(\d+) requests in`)
	socketErrorsRe = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+)`)
)

// wrk runs wrk pinned to CPU 1 and returns the requests it completed.
func wrk(url string, d time.Duration) (int64, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	// A generous --timeout: on a loaded machine a pinned server can be
	// slow, which the CPU per response does not depend on; errors other
	// than timeouts fail the run.
	out, err := exec.Command("taskset", "-c", "1", "wrk", "-t1", "-c"+strconv.Itoa(*conns), "-d"+strconv.Itoa(secs)+"s",
		"--timeout", "30s", "-H", "Accept-Encoding: "+*encoding, url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	if m := socketErrorsRe.FindSubmatch(out); strings.Contains(string(out), "Non-2xx") || (m != nil && (string(m[1]) != "0" || string(m[2]) != "0" || string(m[3]) != "0")) {
		return 0, fmt.Errorf("wrk reported errors:\n%s", out)
	}
	m := requestsRe.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk output:\n%s", out)
	}
	return strconv.ParseInt(string(m[1]), 10, 64)
}

func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // stime, field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return ut + st, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "compressbench: "+format+"\n", a...)
	os.Exit(1)
}
