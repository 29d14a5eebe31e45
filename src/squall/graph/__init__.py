"""The resource graph: plain data, one model per AWS resource, that every later stage consumes."""

from squall.graph.model import Binding, Graph, Resource, Secret, get_att, ref, sub

__all__ = ["Binding", "Graph", "Resource", "Secret", "get_att", "ref", "sub"]
