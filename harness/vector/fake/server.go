package fake

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"

	_ "github.com/pinecone-io/go-pinecone/v5/pinecone" // registers the VectorService descriptors
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// ServiceName is the data plane's gRPC service (it has no proto package).
const ServiceName = "VectorService"

// Options configure a fake index.
type Options struct {
	Dimension int    // default 8
	Metric    string // cosine (default), dotproduct or euclidean
	// APIKey, when set, is required in every request's Api-Key header, as
	// Pinecone requires; empty accepts any request.
	APIKey string
}

// Server is a running fake data plane.
type Server struct {
	Index *Index
	host  string
	grpc  *grpc.Server
	lis   net.Listener
	done  chan struct{}
	once  sync.Once
}

// ErrNoService means go-pinecone did not register the VectorService
// descriptor: the pinecone package changed its generated code.
var ErrNoService = errors.New("VectorService descriptor not registered")

// Start serves a fake index on a loopback port until ctx ends or Close is
// called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dimension == 0 {
		opts.Dimension = 8
	}
	if opts.Dimension < 1 || opts.Dimension > MaxDimension {
		return nil, fmt.Errorf("start fake pinecone: dimension %d out of range 1..%d", opts.Dimension, MaxDimension)
	}
	switch opts.Metric {
	case "":
		opts.Metric = Cosine
	case Cosine, DotProduct, Euclidean:
	default:
		return nil, fmt.Errorf("start fake pinecone: unknown metric %q: use cosine, dotproduct or euclidean", opts.Metric)
	}
	sd, err := serviceDescriptor()
	if err != nil {
		return nil, fmt.Errorf("start fake pinecone: %w", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start fake pinecone: listen on loopback: %w", err)
	}
	s := &Server{Index: newIndex(opts.Dimension, opts.Metric), lis: lis, done: make(chan struct{}), host: "http://" + lis.Addr().String()}
	var sopts []grpc.ServerOption
	if opts.APIKey != "" {
		sopts = append(sopts, grpc.UnaryInterceptor(requireKey(opts.APIKey)))
	}
	s.grpc = grpc.NewServer(sopts...)
	s.grpc.RegisterService(s.serviceDesc(sd), nil)
	go func() { _ = s.grpc.Serve(lis) }()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// Host is the index host for the go-pinecone client: http:// selects
// plaintext gRPC.
func (s *Server) Host() string { return s.host }

// Close stops the server; it is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.grpc.Stop()
	})
}

// Reset empties the index (the harness starts each check from nothing).
func (s *Server) Reset() { s.Index.Reset() }

func serviceDescriptor() (protoreflect.ServiceDescriptor, error) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(ServiceName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoService, err)
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%w: %s is a %T", ErrNoService, ServiceName, d)
	}
	return sd, nil
}

// handlers maps each served method to its implementation on the index.
func (s *Server) handlers() map[string]func(raw []byte) (any, error) {
	x := s.Index
	return map[string]func([]byte) (any, error){
		"Upsert":             call(x.Upsert),
		"Query":              call(x.Query),
		"Fetch":              call(x.Fetch),
		"FetchByMetadata":    call(x.FetchByMetadata),
		"List":               call(x.List),
		"Delete":             call(x.Delete),
		"Update":             call(x.Update),
		"DescribeIndexStats": call(x.Stats),
		"ListNamespaces":     call(x.ListNamespaces),
		"DescribeNamespace":  call(x.DescribeNamespace),
		"DeleteNamespace":    call(x.DeleteNamespace),
		"CreateNamespace":    call(x.CreateNamespace),
	}
}

// call adapts an index method to raw JSON in, response value out.
func call[Req, Resp any](f func(*Req) (*Resp, error)) func([]byte) (any, error) {
	return func(raw []byte) (any, error) {
		req := new(Req)
		if err := json.Unmarshal(raw, req); err != nil {
			return nil, invalid("malformed request: %v", err)
		}
		return f(req)
	}
}

// serviceDesc builds the grpc.ServiceDesc for every method of the
// descriptor; methods the fake does not implement answer UNIMPLEMENTED.
func (s *Server) serviceDesc(sd protoreflect.ServiceDescriptor) *grpc.ServiceDesc {
	hs := s.handlers()
	desc := &grpc.ServiceDesc{ServiceName: string(sd.FullName()), HandlerType: (*any)(nil), Metadata: sd.ParentFile().Path()}
	methods := sd.Methods()
	for i := 0; i < methods.Len(); i++ {
		md := methods.Get(i)
		if md.IsStreamingClient() || md.IsStreamingServer() {
			continue
		}
		name := string(md.Name())
		impl := hs[name]
		full := "/" + string(sd.FullName()) + "/" + name
		desc.Methods = append(desc.Methods, grpc.MethodDesc{
			MethodName: name,
			Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
				in := dynamicpb.NewMessage(md.Input())
				if err := dec(in); err != nil {
					return nil, err
				}
				h := func(ctx context.Context, req any) (any, error) {
					if impl == nil {
						return nil, status.Errorf(codes.Unimplemented, "the fake does not implement %s", name)
					}
					return serve(req.(*dynamicpb.Message), md.Output(), name, impl)
				}
				if icpt == nil {
					return h(ctx, in)
				}
				return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: full}, h)
			},
		})
	}
	return desc
}

var (
	toJSON   = protojson.MarshalOptions{UseProtoNames: true}
	fromJSON = protojson.UnmarshalOptions{}
)

// serve converts a dynamic request to JSON, runs the method and converts
// its response back to a dynamic message of the output type.
func serve(in *dynamicpb.Message, out protoreflect.MessageDescriptor, name string, impl func([]byte) (any, error)) (proto.Message, error) {
	if name == "Upsert" && proto.Size(in) > MaxUpsertBytes {
		return nil, invalid("upsert request of %d bytes exceeds the maximum of %d bytes", proto.Size(in), MaxUpsertBytes)
	}
	raw, err := toJSON.Marshal(in)
	if err != nil {
		return nil, invalid("unreadable request: %v", err)
	}
	resp, err := impl(raw)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "encode %s response: %v", name, err)
	}
	msg := dynamicpb.NewMessage(out)
	if err := fromJSON.Unmarshal(b, msg); err != nil {
		return nil, status.Errorf(codes.Internal, "encode %s response: %v", name, err)
	}
	return msg, nil
}

// requireKey checks the Api-Key header, as Pinecone does.
func requireKey(key string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		got := md.Get("api-key")
		if len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), []byte(key)) != 1 {
			return nil, status.Error(codes.Unauthenticated, "invalid or missing Api-Key")
		}
		return h(ctx, req)
	}
}
