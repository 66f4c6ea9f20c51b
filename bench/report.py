"""The benchmark's tables: printed with rich for a terminal, or as Markdown for the README."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

console = Console(width=160)  # wide enough for the tables when piped to a file


@dataclass
class Report:
    """One table: a title, its columns and rows, and notes printed under it."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def show(self, markdown: bool) -> None:
        """Print the table and its notes (nothing when it has neither)."""
        if not self.rows and not self.notes:
            return
        if markdown:
            print(f"\n**{self.title}**\n")
            if self.rows:
                print("| " + " | ".join(self.columns) + " |")
                print("|" + "|".join(" --- " for _ in self.columns) + "|")
                for row in self.rows:
                    print("| " + " | ".join(row) + " |")
            if self.notes:
                print()
                for note in self.notes:
                    print(f"- {note}")
            return
        if self.rows:
            table = Table(title=self.title)
            for n, column in enumerate(self.columns):
                table.add_column(column, justify="left" if n < 2 else "right")
            for row in self.rows:
                table.add_row(*row)
            console.print(table)
        else:
            console.print(f"\n{self.title}", style="bold", highlight=False)
        for note in self.notes:
            console.print(f"  - {note}", highlight=False)


def ratio(value: float, base: float) -> float:
    """value / base, or 0 when there is no base to divide by."""
    return value / base if base else 0.0
