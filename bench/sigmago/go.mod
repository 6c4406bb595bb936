module github.com/vigilsec/vigil/bench/sigmago

go 1.26.0

require (
	github.com/bradleyjkemp/sigma-go v0.6.6
	github.com/vigilsec/vigil v0.0.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/BobuSumisu/aho-corasick v1.0.3 // indirect
	github.com/PaesslerAG/gval v1.0.0 // indirect
	github.com/PaesslerAG/jsonpath v0.1.1 // indirect
	github.com/alecthomas/participle v0.7.1 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/pelletier/go-toml/v2 v2.4.3 // indirect
)

replace github.com/vigilsec/vigil => ../..
