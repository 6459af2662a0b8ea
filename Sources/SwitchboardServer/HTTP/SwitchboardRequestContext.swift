import Hummingbird

/// The request context of every HTTP route (media streams are not routes: see ``SwitchboardChildChannel``).
typealias SwitchboardRequestContext = BasicRequestContext
