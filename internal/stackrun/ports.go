package stackrun

import (
	"errors"
	mathrand "math/rand/v2"
	"net"
	"strconv"
)

// freeLowPorts reserves n distinct free loopback ports in [20000, 32768), picked at random.
func freeLowPorts(n int) ([]int, error) {
	tries := 0
	return holdPorts(n, func() (net.Listener, error) {
		if tries > 1000 {
			return nil, errors.New("stackrun: no free port below 32768")
		}
		tries++
		p := 20000 + mathrand.IntN(32768-20000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return nil, nil // taken: pick another
		}
		return ln, nil
	})
}

// holdPorts collects the ports of n listeners from listen, keeping every listener open until
// all are found so that no port is picked twice. A nil listener without an error means: call
// again.
func holdPorts(n int, listen func() (net.Listener, error)) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for len(ports) < n {
		ln, err := listen()
		if err != nil {
			return nil, err
		}
		if ln == nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
