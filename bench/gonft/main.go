// Command gonft loads, lists and updates an nftables set with
// github.com/google/nftables, the way a Go program would. The benchmark
// harness runs it inside a throwaway network namespace.
//
//	gonft load ipv4|ipv6 hash|interval FILE   create table inet t, set s, add FILE
//	gonft list ipv4|ipv6                      print the element counts of set s
//	gonft roundtrip ipv4|ipv6 FILE COUNT      COUNT one-element adds, latencies in ns
package main

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
)

var table = &nftables.Table{Family: nftables.TableFamilyINet, Name: "t"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gonft:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return usageError()
	}
	keyType, err := parseFamily(args[1])
	if err != nil {
		return err
	}

	switch {
	case args[0] == "load" && len(args) == 4 && (args[2] == "hash" || args[2] == "interval"):
		return load(keyType, args[2] == "interval", args[3])
	case args[0] == "list" && len(args) == 2:
		return list(keyType)
	case args[0] == "roundtrip" && len(args) == 4:
		count, err := strconv.Atoi(args[3])
		if err != nil || count <= 0 {
			return fmt.Errorf("invalid round trip count %q", args[3])
		}
		return roundTrips(args[2], count)
	}
	return usageError()
}

func usageError() error {
	return fmt.Errorf("usage: gonft load ipv4|ipv6 hash|interval FILE | " +
		"list ipv4|ipv6 | roundtrip ipv4|ipv6 FILE COUNT")
}

func parseFamily(name string) (nftables.SetDatatype, error) {
	switch name {
	case "ipv4":
		return nftables.TypeIPAddr, nil
	case "ipv6":
		return nftables.TypeIP6Addr, nil
	}
	return nftables.SetDatatype{}, fmt.Errorf("unknown family %q, expected ipv4 or ipv6", name)
}

// connect opens one lasting netlink socket in the current network namespace.
// Socket buffers are raised to the given sizes, because google/nftables
// v0.3.0 leaves them at the system default: a large batch then fails with
// EMSGSIZE, and many ACKs overflow the receive queue with ENOBUFS.
// SetWriteBuffer and SetReadBuffer use SO_SNDBUFFORCE/SO_RCVBUFFORCE when
// the process has CAP_NET_ADMIN.
func connect(writeBuffer, readBuffer int) (*nftables.Conn, error) {
	return nftables.New(nftables.AsLasting(), nftables.WithSockOptions(
		func(c *netlink.Conn) error {
			if err := c.SetWriteBuffer(writeBuffer); err != nil {
				return err
			}
			return c.SetReadBuffer(readBuffer)
		}))
}

// readElements turns each line of path into one element, or into a start and
// an end element (first address after the prefix) for interval sets.
func readElements(path string, interval bool) ([]nftables.SetElement, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()

	var elements []nftables.SetElement
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" {
			continue
		}
		if !interval {
			addr, err := netip.ParseAddr(line)
			if err != nil {
				return nil, err
			}
			elements = append(elements, nftables.SetElement{Key: addr.AsSlice()})
			continue
		}

		prefix, err := netip.ParsePrefix(line)
		if err != nil {
			return nil, err
		}
		prefix = prefix.Masked()
		elements = append(elements, nftables.SetElement{Key: prefix.Addr().AsSlice()})
		if end, ok := prefixEnd(prefix); ok {
			elements = append(elements, nftables.SetElement{Key: end.AsSlice(), IntervalEnd: true})
		}
	}
	return elements, scanner.Err()
}

// prefixEnd returns the first address after prefix. It returns false when the
// prefix runs to the last address, because such a range has no end element.
func prefixEnd(prefix netip.Prefix) (netip.Addr, bool) {
	last := prefix.Addr()
	for i := prefix.Bits(); i < last.BitLen(); i++ {
		last = setBit(last, i)
	}
	next := last.Next()
	return next, next.IsValid()
}

func setBit(addr netip.Addr, bit int) netip.Addr {
	bytes := addr.AsSlice()
	bytes[bit/8] |= 0x80 >> (bit % 8)
	result, _ := netip.AddrFromSlice(bytes)
	return result
}

// maxElementsPayload is the room for elements in one NEWSETELEM message:
// NFTA_SET_ELEM_LIST_ELEMENTS has a 16-bit length, and google/nftables v0.3.0
// puts all elements of one SetAddElements call into one such attribute
// without splitting, so larger calls would wrap the length.
const maxElementsPayload = 65535 - 1024

// encodedSize is the size of one element nest as google/nftables encodes it:
// nest, KEY nest, NFTA_DATA_VALUE, and FLAGS for interval ends.
func encodedSize(element nftables.SetElement) int {
	size := 4 + 4 + 4 + (len(element.Key)+3)&^3
	if element.IntervalEnd {
		size += 8
	}
	return size
}

func load(keyType nftables.SetDatatype, interval bool, path string) error {
	elements, err := readElements(path, interval)
	if err != nil {
		return err
	}

	var chunks [][]nftables.SetElement
	start, bytes := 0, 0
	for i, element := range elements {
		size := encodedSize(element)
		if bytes+size > maxElementsPayload {
			chunks = append(chunks, elements[start:i])
			start, bytes = i, 0
		}
		bytes += size
	}
	chunks = append(chunks, elements[start:])

	// google/nftables requests an ACK for every message, and each queued ACK
	// costs about 1 KiB of receive buffer.
	messages := len(chunks) + 2
	conn, err := connect(len(chunks)*(maxElementsPayload+1024)+(1<<20), messages*2048+(1<<20))
	if err != nil {
		return err
	}
	defer conn.CloseLasting()

	conn.AddTable(table)
	set := &nftables.Set{Table: table, Name: "s", KeyType: keyType, Interval: interval}
	if err := conn.AddSet(set, nil); err != nil {
		return err
	}
	for _, chunk := range chunks {
		if err := conn.SetAddElements(set, chunk); err != nil {
			return err
		}
	}
	return conn.Flush()
}

func list(keyType nftables.SetDatatype) error {
	conn, err := connect(1<<20, 1<<20)
	if err != nil {
		return err
	}
	defer conn.CloseLasting()

	set, err := conn.GetSetByName(table, "s")
	if err != nil {
		return err
	}
	if set.KeyType.Name != keyType.Name {
		return fmt.Errorf("set s has type %s, expected %s", set.KeyType.Name, keyType.Name)
	}
	elements, err := conn.GetSetElements(set)
	if err != nil {
		return err
	}

	ends := 0
	for _, element := range elements {
		if element.IntervalEnd {
			ends++
		}
	}
	fmt.Printf("elements %d\ninterval_ends %d\n", len(elements)-ends, ends)
	return nil
}

func roundTrips(path string, count int) error {
	elements, err := readElements(path, false)
	if err != nil {
		return err
	}
	if len(elements) < count {
		return fmt.Errorf("%s has %d elements, %d round trips need as many", path, len(elements), count)
	}

	conn, err := connect(1<<20, 1<<20)
	if err != nil {
		return err
	}
	defer conn.CloseLasting()
	set, err := conn.GetSetByName(table, "s")
	if err != nil {
		return err
	}

	latencies := make([]time.Duration, count)
	for i := range latencies {
		start := time.Now()
		if err := conn.SetAddElements(set, elements[i:i+1]); err != nil {
			return err
		}
		if err := conn.Flush(); err != nil {
			return err
		}
		latencies[i] = time.Since(start)
	}

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, latency := range latencies {
		fmt.Fprintln(out, latency.Nanoseconds())
	}
	return nil
}
