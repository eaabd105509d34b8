"""``arcrime serve``: an analyst's page and a REST API over one loaded model.

    from arcrime.serve.app import create_app, serve
    serve("models/quickstart")                 # http://127.0.0.1:8000, API docs at /docs

Modules: ``app`` (FastAPI app factory, routes, limits, error messages), ``batcher`` (micro-batching
of concurrent requests into the prediction engine), ``evidence`` (sentence occlusion), ``files``
(reading dropped .txt/.jsonl/.csv files) and ``static/`` (the page: HTML, CSS and JavaScript, no
external asset). FastAPI and uvicorn come with the ``serve`` extra: ``pip install -e ".[serve]"``.
"""
