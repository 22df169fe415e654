"""Core web pages: workbench, project switcher, module shell, master data, people, settings,
inbox. No rules here: views parse input, call one service or selector, and render
(ARCHITECTURE.md "Layers")."""

from propdesk.core.views.shell import (
    module_overview,
    reports,
    switch_project,
    workbench,
)

__all__ = ["module_overview", "reports", "switch_project", "workbench"]
