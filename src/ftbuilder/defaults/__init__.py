"""Files shipped inside the package: the default prompts (a copy of the project's prompts/
folder), used when ``ftb`` runs where no project prompts/ folder is (see docs/prompts in
``ftbuilder.agents.prompts``)."""
