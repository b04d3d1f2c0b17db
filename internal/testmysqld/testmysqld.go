// Package testmysqld runs a private MariaDB server for tests that must
// stop, kill and restart their database without disturbing the shared test
// server (ANPEI_TEST_MYSQL_DSN) other tests use at the same time.
//
// Start initialises a data directory with mariadb-install-db in
// t.TempDir() and runs mariadbd on a free 127.0.0.1 port as root with
// password-less root access over TCP. When the MariaDB programs are not
// installed the test is skipped, or fails under ANPEI_TEST_REQUIRE_ALL=1
// (as db/dbtest does for a missing DSN).
package testmysqld

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// The programs, found on $PATH first and then where Debian puts them.
var (
	installNames = []string{"mariadb-install-db", "/usr/bin/mariadb-install-db", "mysql_install_db"}
	serverNames  = []string{"mariadbd", "/usr/sbin/mariadbd", "/usr/libexec/mariadbd", "mysqld", "/usr/sbin/mysqld"}
)

// Server is one private mariadbd process (it may be stopped and started
// again on the same data directory and port).
type Server struct {
	t    testing.TB
	bin  string
	dir  string // holds data/, the socket, the pid file and the logs
	Port int
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// lookup returns the first of names that exists and is executable.
func lookup(names []string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Available reports whether the MariaDB programs are installed.
func Available() bool { return lookup(installNames) != "" && lookup(serverNames) != "" }

// Start creates a fresh data directory and starts mariadbd on it, waiting
// until it answers. The server is killed when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	install, bin := lookup(installNames), lookup(serverNames)
	if install == "" || bin == "" {
		if os.Getenv("ANPEI_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("mariadb-install-db or mariadbd not installed but ANPEI_TEST_REQUIRE_ALL=1: the private MariaDB test is mandatory")
		}
		t.Skip("mariadb-install-db or mariadbd not installed: private MariaDB test skipped")
	}
	// Unix sockets are limited to about 100 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "mdb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"), "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	// The bootstrap server gets the small redo log too (the default is 100 MB).
	args = append(args, "--innodb-log-file-size=16M")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, install, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	s := &Server{t: t, bin: bin, dir: dir, Port: freePort(t)}
	t.Cleanup(func() {
		s.mu.Lock()
		cmd, done := s.cmd, s.done
		s.mu.Unlock()
		if cmd != nil {
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("private mariadbd error log (last part):\n%s", s.tail(4000))
		}
	})
	s.Start()
	if _, err := s.WaitReady(60 * time.Second); err != nil {
		t.Fatalf("private mariadbd did not answer: %v\n%s", err, s.tail(4000))
	}
	return s
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start runs mariadbd on the data directory (again, after Kill or Stop);
// it does not wait for it to answer (see WaitReady).
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("testmysqld: Start while running")
	}
	args := []string{"--no-defaults",
		"--datadir=" + filepath.Join(s.dir, "data"),
		"--port=" + strconv.Itoa(s.Port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(s.dir, "sock"), "--pid-file=" + filepath.Join(s.dir, "pid"),
		"--log-error=" + filepath.Join(s.dir, "error.log"),
		"--skip-name-resolve", "--skip-log-bin", "--max-connections=300",
		"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
		"--innodb-flush-log-at-trx-commit=1", // durable commits: what production runs
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(s.bin, args...)
	out, err := os.OpenFile(filepath.Join(s.dir, "output.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		s.t.Fatalf("start mariadbd: %v", err)
	}
	out.Close() // the child has its own copy
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
}

// Kill sends sig (SIGKILL for a crash, SIGTERM for a clean shutdown) and
// waits until the process is gone.
func (s *Server) Kill(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		s.t.Fatal("testmysqld: Kill while not running")
	}
	if err := cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal mariadbd: %v", err)
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		s.t.Fatalf("mariadbd did not exit within 60 s of %v", sig)
	}
	s.mu.Lock()
	s.cmd, s.done = nil, nil
	s.mu.Unlock()
}

// DSN returns a go-sql-driver DSN for database name ("" for none).
func (s *Server) DSN(name string) string {
	c := gomysql.NewConfig()
	c.User, c.Net, c.Addr, c.DBName = "root", "tcp", "127.0.0.1:"+strconv.Itoa(s.Port), name
	c.Timeout = 2 * time.Second
	return c.FormatDSN()
}

// Ping reports whether the server answers a query within timeout.
func (s *Server) Ping(timeout time.Duration) error {
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var one int
	return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// WaitReady polls until the server answers and returns when it first did.
func (s *Server) WaitReady(timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		err := s.Ping(2 * time.Second)
		if err == nil {
			return time.Now(), nil
		}
		s.mu.Lock()
		done := s.done
		s.mu.Unlock()
		if done != nil {
			select {
			case <-done:
				return time.Time{}, fmt.Errorf("mariadbd exited: %v", err)
			default:
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// CreateDatabase creates database name (utf8mb4) and returns its DSN.
func (s *Server) CreateDatabase(name string) string {
	s.t.Helper()
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		s.t.Fatalf("create database %s: %v", name, err)
	}
	return s.DSN(name)
}

// tail returns the last n bytes of the error log and the process output.
func (s *Server) tail(n int) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
	o, _ := os.ReadFile(filepath.Join(s.dir, "output.log"))
	b = append(b, o...)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
