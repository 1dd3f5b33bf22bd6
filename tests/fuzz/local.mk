# tests/fuzz: fragment of Makefile.am
