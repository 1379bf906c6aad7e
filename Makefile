# Two commands on a fresh machine: `make tui` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# llama-cpp-python compiles llama.cpp from source: use both cores, portable CPU code only.
# A native build enables AMX on CPUs that have it, and these VMs crash in
# ggml_backend_amx_mul_mat: keep AMX off.
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF \
	-DGGML_AMX_BF16=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

.PHONY: install tui test bench lint demo clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ftbuilder.backends.embedded --prepare
	@touch $(STAMP)

install: $(STAMP)

tui: $(STAMP)
	$(VENV)/bin/ftb tui

# Ray (the optional scale extra, ~10 s and ~270 MB to install) is installed in its own step so
# the Ray engine tests run here; FTB_REQUIRE_RAY=1 makes a missing Ray fail them, not skip.
SCALE_STAMP := $(VENV)/.installed-scale
$(SCALE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[scale]'
	@touch $(SCALE_STAMP)

test: $(STAMP) $(SCALE_STAMP)
	FTB_REQUIRE_RAY=1 $(PY) -m pytest -q

bench: $(STAMP) $(SCALE_STAMP)
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

demo: $(STAMP)
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) .pytest_cache
