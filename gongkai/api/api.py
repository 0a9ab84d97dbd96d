from ninja import NinjaAPI

api = NinjaAPI(title="Gongkai API", version="1", urls_namespace="api-v1")
