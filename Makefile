# A thin wrapper: every step lives in manage.py, so hosts without make run the same commands
# (`python manage.py run`, `python manage.py test`, …; see README 运维).
PYTHON ?= python3

.PHONY: install init run test test-services backup restore bundle bench load clean

install:
	$(PYTHON) manage.py install

init:
	$(PYTHON) manage.py init

run:
	$(PYTHON) manage.py run $(if $(PORT),--port $(PORT))

test:
	$(PYTHON) manage.py test

test-services:
	$(PYTHON) manage.py test tests/unit tests/services

# make backup [OUT=file-or-dir]
backup:
	$(PYTHON) manage.py backup $(OUT)

# make restore FILE=data/backups/reform-backup-….tar.gz
restore:
	$(PYTHON) manage.py restore $(FILE)

bundle:
	$(PYTHON) manage.py bundle

bench:
	$(PYTHON) manage.py bench

load:
	$(PYTHON) manage.py load

clean:
	rm -rf .venv .pytest_cache dist
