"""What `digest init` writes for deploying a site from its own repository: requirements.txt (the digest
that builds it) and .github/workflows/pages.yml (GitHub Pages, hourly, with the build cache)."""

from __future__ import annotations

from digest import DISTRIBUTION, __version__

# GitHub's actions, pinned to the commit of a release (zizmor's default policy asks for a hash);
# the comment names the release, so that Dependabot and people can update them.
ACTIONS = {
    "checkout": ("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "configure-pages": ("actions/configure-pages", "983d7736d9b0ae728b81ab479565c72886d7745b", "v5.0.0"),
    "cache": ("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "upload-pages-artifact": ("actions/upload-pages-artifact", "fc324d3547104276b827a68afc52ff2a11cc49c9", "v5.0.0"),
    "deploy-pages": ("actions/deploy-pages", "cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", "v5.0.0"),
}


# The cache is shared by the runs of the same digest (requirements.txt pins it), config and templates.
CACHE_PREFIX = "digest-cache-${{ runner.os }}-${{ hashFiles('requirements.txt', 'config.yaml', 'templates/**') }}-"


def uses(name: str) -> str:
    repository, commit, release = ACTIONS[name]
    return f"{repository}@{commit}  # {release}"


def requirements_txt(version: str = __version__) -> str:
    """The site's requirements.txt: exactly the digest that created it, so a build in CI is the build
    on the editor's machine. Upgrading digest is a one-line change here."""
    return f"""\
# The digest that builds this site: the workflow in .github/workflows/pages.yml installs it.
# To build with digest from its git repository instead (before a release is on PyPI, or to try a
# change), replace the line below with one like:
#   {DISTRIBUTION} @ git+https://github.com/OWNER/digest@v{version}
{DISTRIBUTION}=={version}
"""


def pages_workflow(languages: list[str], timezone: str) -> str:
    """.github/workflows/pages.yml for a site of its own repository."""
    langs = " ".join(languages)
    return f"""\
# Build the site and publish it on GitHub Pages, on every push to main and every hour, so that an
# article dated in the future (a scheduled one) appears within the hour of its date.
# Once: repository Settings -> Pages -> Source: "GitHub Actions".
name: Deploy to GitHub Pages

on:
  push:
    branches: [main]
  schedule:
    - cron: "17 * * * *"  # hourly; off the full hour, when GitHub's runners are busiest
  workflow_dispatch:

# Nothing by default: each job asks for what it needs.
permissions: {{}}

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    name: Build the site
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: {uses("checkout")}
        with:
          persist-credentials: false
      - uses: {uses("setup-python")}
        with:
          python-version: "3.12"
      # The digest version of requirements.txt: the one that created this site, until you change it.
      - run: python -m pip install -r requirements.txt
      - id: pages
        uses: {uses("configure-pages")}
      # .digest-cache/ makes builds faster, never different: every entry is checked against the file
      # it came from. A new cache each run (the key ends with the run id); the newest one made by the
      # same digest (requirements.txt), config and templates is restored.
      - uses: {uses("cache")}
        with:
          path: |
            .digest-cache/
            !.digest-cache/spare-*
          key: {CACHE_PREFIX}${{{{ github.run_id }}}}
          restore-keys: |
            {CACHE_PREFIX}
      # base_url follows wherever Pages serves the site (https://<user>.github.io/<repo>/ or a custom domain).
      - run: digest build --base-url "${{PAGES_BASE_URL}}/"
        env:
          PAGES_BASE_URL: ${{{{ steps.pages.outputs.base_url }}}}
      - uses: {uses("upload-pages-artifact")}
        with:
          path: output
  deploy:
    name: Deploy to GitHub Pages
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write  # to deploy to Pages
      id-token: write  # to prove the deployment comes from this repository's workflow
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: {uses("deploy-pages")}

  # Optional: send the day's edition by e-mail after each deploy, once per language (newsletters/sent.yaml
  # records what was sent, and this job commits it). Set `newsletter:` in config.yaml and add the SMTP
  # password as a repository secret named DIGEST_SMTP_PASSWORD (Settings -> Secrets and variables ->
  # Actions), then remove the `#` at the start of the lines below.
  # newsletter:
  #   name: Send the day's newsletter
  #   needs: deploy
  #   runs-on: ubuntu-latest
  #   permissions:
  #     contents: write  # to commit newsletters/sent.yaml
  #   steps:
  #     - uses: {uses("checkout")}
  #       with:
  #         persist-credentials: true  # to push newsletters/sent.yaml
  #     - uses: {uses("setup-python")}
  #       with:
  #         python-version: "3.12"
  #     - run: python -m pip install -r requirements.txt
  #     - name: Send today's edition (once per language)
  #       env:
  #         DIGEST_SMTP_PASSWORD: ${{{{ secrets.DIGEST_SMTP_PASSWORD }}}}
  #       run: |
  #         today=$(TZ={timezone} date +%F)  # the site's time zone
  #         for lang in {langs}; do
  #           # sent already by an earlier run today (the Message-ID names the day and language)?
  #           if grep -qs "message_id: <$today.$lang.newsletter." newsletters/sent.yaml; then continue; fi
  #           # no edition today in this language: nothing to send
  #           check="$RUNNER_TEMP/check.eml"
  #           if ! digest newsletter --lang "$lang" --edition "$today" --output "$check"; then continue; fi
  #           digest newsletter --lang "$lang" --edition "$today" --send
  #         done
  #     - name: Record what was sent
  #       if: always()  # a language sent before another one failed stays recorded
  #       run: |
  #         git config user.name "digest"
  #         git config user.email "digest@users.noreply.github.com"
  #         git add newsletters/sent.yaml 2>/dev/null || true
  #         git diff --cached --quiet || (git commit -m "Newsletters sent" && git push)
"""
