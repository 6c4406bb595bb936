module github.com/vigilsec/vigil

go 1.26
