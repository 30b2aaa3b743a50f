package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a service listening on loopback.
type Server struct {
	URL string // http://127.0.0.1:PORT
	srv *http.Server
	ln  net.Listener
}

// Start serves s on a free loopback port until Close.
func Start(s *Service) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start api service: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &Server{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Close stops the server and waits for its requests to end.
func (sv *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = sv.srv.Shutdown(ctx)
}
