package data

import (
	"path/filepath"
	"strings"
)

// MovieLens column sets, named as in the GroupLens READMEs.
var (
	// MovieLensRatingColumns are the columns of u.data, u1.base… and
	// ML-1M's ratings.dat.
	MovieLensRatingColumns = []string{"user", "item", "rating", "timestamp"}
	// MovieLensUserColumns are the columns of ML-100K's u.user.
	MovieLensUserColumns = []string{"user", "age", "gender", "occupation", "zip"}
	// MovieLensItemColumns are the columns of ML-100K's u.item: five
	// descriptive fields and 19 genre flags, in u.genre's order.
	MovieLensItemColumns = []string{"item", "title", "release_date", "video_release_date", "imdb_url",
		"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
		"Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
		"War", "Western"}
	// MovieLens1MUserColumns are the columns of ML-1M's users.dat.
	MovieLens1MUserColumns = []string{"user", "gender", "age", "occupation", "zip"}
	// MovieLens1MMovieColumns are the columns of ML-1M's movies.dat (genres
	// joined by "|").
	MovieLens1MMovieColumns = []string{"item", "title", "genres"}
)

// OpenMovieLens reads a MovieLens file, choosing the layout by its name
// (a ".gz" suffix aside): u.item, u.user, ratings.dat, users.dat,
// movies.dat; any other name (u.data, u1.base, ua.test…) is a TAB-separated
// rating file. Ids, ratings and timestamps are checked as numbers. Titles
// are Latin-1 in the GroupLens files: a line that is not valid UTF-8 is
// decoded from Latin-1 rather than rejected.
func OpenMovieLens(path string, opts ReadOptions) (*DelimitedReader, error) {
	name := strings.TrimSuffix(filepath.Base(path), ".gz")
	var spec delimSpec
	switch name {
	case "u.item":
		kinds := make([]kind, len(MovieLensItemColumns))
		kinds[0] = kindNat
		for i := 5; i < len(kinds); i++ {
			kinds[i] = kindFlag01
		}
		spec = delimSpec{sep: "|", columns: MovieLensItemColumns, kinds: kinds, latin1: true}
	case "u.user":
		spec = delimSpec{sep: "|", columns: MovieLensUserColumns, kinds: []kind{kindNat, kindNat, kindText, kindText, kindText}}
	case "users.dat":
		spec = delimSpec{sep: "::", columns: MovieLens1MUserColumns, kinds: []kind{kindNat, kindText, kindNat, kindNat, kindText}}
	case "movies.dat":
		spec = delimSpec{sep: "::", columns: MovieLens1MMovieColumns, kinds: []kind{kindNat, kindText, kindText}, latin1: true}
	case "ratings.dat":
		spec = delimSpec{sep: "::", columns: MovieLensRatingColumns, kinds: ratingKinds()}
	default:
		spec = delimSpec{sep: "\t", columns: MovieLensRatingColumns, kinds: ratingKinds()}
	}
	return openDelimited(path, spec, opts)
}

func ratingKinds() []kind { return []kind{kindNat, kindNat, kindNum, kindNat} }

// NCFRatingColumns are the columns of NCF-style .rating files; files
// without timestamps (the DeepCF release) have the first three only.
var NCFRatingColumns = []string{"user", "item", "rating", "timestamp"}

// OpenNCFRating reads an NCF-style .rating file: TAB-separated user, item,
// rating and, optionally, timestamp — the first line decides whether the
// file has the timestamp column, and every line must then agree.
func OpenNCFRating(path string, opts ReadOptions) (*DelimitedReader, error) {
	return openDelimited(path, delimSpec{sep: "\t", columns: NCFRatingColumns, kinds: ratingKinds(), optTail: 1}, opts)
}
