"""Core use cases. Import from the submodules: `masterdata`, `people`, `timeline`, `setup`,
`calendar`, `numbering`, `notifications`, `deadlines`, `tokens`."""
