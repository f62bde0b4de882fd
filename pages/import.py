"""数据导入 / Data import (issue #3): choose a table and a file, map its columns, check, load.

The page lives in gridboard.ui.importer (steps 1-2, the flow) and gridboard.ui.import_check
(steps 3-4, the checked upload held between reruns, the import log).
"""

from gridboard import ui

ui.page_guard()

from gridboard.ui import importer

importer.render()
