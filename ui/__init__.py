"""Streamlit helpers of the pages in `app_pages/`: `context` (state and sidebar), `cached` (the one
cached-data facade; «Обновить данные» clears it), `widgets`, `charts`, `markup` (escaping), `media`
(downloads), `signin`, `readiness_panel`, `changes_panel`."""
