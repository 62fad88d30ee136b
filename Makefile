# Ddia.Verify — see README.md. Every target works on a fresh machine with the .NET 10 SDK.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CONFIG ?= Release
CORPORA ?= ../shared/corpora

.PHONY: build publish-node test run readme-table validate corpus bench clean

build:
	dotnet build Ddia.Verify.sln -c $(CONFIG) --nologo -v quiet -clp:ErrorsOnly

# The node program as one self-contained executable (out/ddia-node/ddia-node): what containers (--env docker) and ssh
# hosts run, since they have no .NET of their own.
publish-node:
	dotnet publish systems/Ddia.Verify.Node -c $(CONFIG) -r linux-x64 --self-contained -p:PublishSingleFile=true \
		-p:InvariantGlobalization=true -o out/ddia-node --nologo -v quiet -clp:ErrorsOnly

# Unit, property, corpus and process tests, then the end-to-end cluster tests alone (root: namespaces, iptables);
# prints "N passed, N failed, N skipped" as its last line.
test: build publish-node
	eng/run-tests.sh $(CONFIG)

# The main job: the default campaign on real local clusters (network namespaces as root, loopback otherwise):
# Raft and its lock service, the transactional store at every isolation level and with every workload, two-phase
# commit, and single-leader, multi-leader and leaderless replication, each correct or textbook-broken with the
# anomalies it must (and must never) show. Prints the table and writes it to store/campaign.md. About 10 minutes.
# ENV=docker runs it in containers, ENV=ssh NODES_FILE=nodes.txt on those hosts (both need the self-contained node).
run: build $(if $(filter docker ssh,$(ENV)),publish-node)
	./ddia-verify campaign $(if $(ENV),--env $(ENV)) $(if $(NODES_FILE),--nodes-file $(NODES_FILE))

# README's campaign table is the one `make run` wrote: run the campaign, then put store/campaign.md into README.md.
readme-table: run
	eng/readme-table.sh store/campaign.md README.md

# The validation campaign: known results of real third-party systems that must be reproduced on every run (etcd 3.4
# under partitions, kills and pauses, its serializable reads and its lock; PostgreSQL 15 at each isolation level,
# Hermitage's row). Needs root, etcd-server and postgresql (.ci/run installs them). Prints the table (system, setting,
# faults, expected, got) and writes it to validation-store/campaign.md. About 7 minutes.
validate: build
	./ddia-verify campaign --validation --store validation-store

# Check every public corpus history against its manifest (the checkers' agreement table).
corpus: build
	./ddia-verify corpus --corpora $(CORPORA)

# Benchmarks: checkers (corpora per file and in total, generated 10^4..10^6-op histories) → bench/RESULTS.md;
# the transactional checker on 10^4..10^6-transaction list-append histories → bench/TRANSACTIONS.md;
# harness overhead (ops/s with a no-op client) → bench/HARNESS.md; Raft KV beside etcd 3.4 on 3 namespace nodes
# (root, etcd-server installed; about 3 minutes) → bench/RAFT-VS-ETCD.md; the transactional store's throughput and
# aborts per isolation level at 10 and 50 clients (about 5 minutes) → bench/ISOLATION.md.
bench:
	dotnet run -c Release --project checkers/Ddia.Verify.Checkers.Benchmarks -- --corpora $(CORPORA) --out bench/RESULTS.md
	dotnet run -c Release --project checkers/Ddia.Verify.Checkers.Benchmarks -- --transactions --runs 3 --out bench/TRANSACTIONS.md
	dotnet run -c Release --project harness/Ddia.Verify.Harness.Benchmarks -- --out bench/HARNESS.md
	dotnet run -c Release --project bench/Ddia.Verify.SystemBench -- --rounds 3 --out bench/RAFT-VS-ETCD.md
	dotnet run -c Release --project bench/Ddia.Verify.SystemBench -- --isolation-levels --out bench/ISOLATION.md

clean:
	dotnet clean Ddia.Verify.sln --nologo -v quiet
