import MeshtasticWire
import MessageStore

// The store's value types the front ends work with, named under Messenger so a front end
// imports only LoraMessenger (a top-level alias would collide with the module's own class
// name). They are plain data; the operations on them are Messenger's.
extension Messenger {
    public typealias Contact = _StoreContact
    public typealias StoredMessage = _StoreMessage
    public typealias DeliveryState = _StoreDeliveryState
    public typealias NodeSighting = _StoreNodeSighting
}

// Resolved at file scope, where the names still mean MessageStore's types.
public typealias _StoreContact = Contact
public typealias _StoreMessage = StoredMessage
public typealias _StoreDeliveryState = DeliveryState
public typealias _StoreNodeSighting = NodeSighting

/// `!a1b2c3d4`, as Meshtastic writes a node number.
public func nodeID(_ num: UInt32) -> String { User.nodeID(num) }
