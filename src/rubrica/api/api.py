from ninja import NinjaAPI

api = NinjaAPI(title="Rubrica", version="1", urls_namespace="api")
