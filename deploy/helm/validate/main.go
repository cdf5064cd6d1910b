// Command validate decodes every object of a rendered Helm chart (multi-document YAML on
// stdin, or in the files named) into its Kubernetes API Go type, refusing unknown fields
// and unknown kinds, so a typo in a template fails instead of being dropped by the API
// server. It prints one line per object and exits 1 on the first problem list.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	input, err := readInput(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(2)
	}
	results, problems := ValidateDocuments(input)
	for _, line := range results {
		fmt.Println(line)
	}
	for _, problem := range problems {
		fmt.Fprintln(os.Stderr, "validate:", problem)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("%d objects ok\n", len(results))
}

// readInput concatenates the files named as one multi-document stream, or reads stdin.
func readInput(paths []string) ([]byte, error) {
	if len(paths) == 0 {
		return io.ReadAll(os.Stdin)
	}
	var all []byte
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		all = append(all, []byte("\n---\n")...)
		all = append(all, data...)
	}
	return all, nil
}
