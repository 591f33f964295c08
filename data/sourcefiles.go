package data

import (
	"strconv"
	"strings"
)

// RegisterSourceFiles sets how SourceFiles lists the files read by the
// specs of reader name, for a reader registered with Register whose path
// is not itself a file: the behaviour readers of package behavior take
// "FORMAT?path=FILE&…". files gets the part of a spec after "NAME:". A
// taken or malformed name panics: it is a programming error caught at
// init.
func RegisterSourceFiles(name string, files func(path string) ([]string, error)) {
	if _, dup := sourceFiles[name]; dup || name == "" || strings.Contains(name, ":") || files == nil {
		panic("data: cannot register the source files of reader " + strconv.Quote(name))
	}
	sourceFiles[name] = files
}
