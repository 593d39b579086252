// Wrapper so `go build` can produce an etcd server binary from the Go module proxy:
// release tarballs are not reachable from this machine, the module proxy is.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
